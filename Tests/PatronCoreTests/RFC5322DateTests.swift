import Foundation
import PatronCore
import Testing

@Suite("RFC 5322 dates")
struct DateTests {
    init() { TestChannels.register() }

    private func parse(_ value: String) -> Date? {
        RFC5322Date.parse(value)
    }

    @Test("the standard form with a numeric zone")
    func standard() {
        #expect(parse("Fri, 21 Nov 1997 09:55:06 -0600") == utc("1997-11-21T15:55:06Z"))
        #expect(parse("Thu,  1 Jul 2014 23:45:01 +0900 (JST)") == utc("2014-07-01T14:45:01Z"))
    }

    @Test(
        "obsolete zones: UT, GMT, US zones and military letters",
        arguments: [
            ("Thu, 29 Apr 2009 00:00:00 GMT", "2009-04-29T00:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 UT", "2009-04-29T00:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 EST", "2009-04-29T05:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 EDT", "2009-04-29T04:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 PDT", "2009-04-29T07:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 Z", "2009-04-29T00:00:00Z"),
            ("Thu, 29 Apr 2009 00:00:00 A", "2009-04-29T00:00:00Z"),
            ("Tue, 16 Jul 2013 05:16:35 JST", "2013-07-15T20:16:35Z"),
        ])
    func obsoleteZones(value: String, expected: String) {
        #expect(parse(value) == utc(expected))
    }

    @Test("missing seconds, missing day name, comments and two-digit years")
    func lenientForms() {
        #expect(parse("21 Nov 1997 09:55 -0600") == utc("1997-11-21T15:55:00Z"))
        #expect(parse("Wed, 20 Sep 1995 00:19:00 (EDT) -0400") == utc("1995-09-20T04:19:00Z"))
        #expect(parse("21 Nov 97 09:55:06 GMT") == utc("1997-11-21T09:55:06Z"))
        #expect(parse("1 Jan 05 00:00:00 +0000") == utc("2005-01-01T00:00:00Z"))
        #expect(parse("Mon Sep 20 19:29:27 2021") == utc("2021-09-20T19:29:27Z"))  // asctime order
        #expect(parse("30 Mar 2009 08:18:21 -0000") == utc("2009-03-30T08:18:21Z"))
    }

    @Test("garbage gives nil")
    func garbage() {
        #expect(parse("") == nil)
        #expect(parse("yesterday") == nil)
        #expect(parse("Fri, 21 Nov 1997") == nil)
        #expect(parse("Fri, 41 Foo 1997 99:99:99 +0000") == nil)
    }
}

/// A UTC date from an ISO 8601 string, for expectations.
private func utc(_ iso: String) -> Date {
    ISO8601DateFormatter().date(from: iso)!
}
