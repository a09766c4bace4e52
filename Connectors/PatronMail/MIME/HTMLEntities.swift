/// HTML character references: numeric (`&#233;`, `&#xE9;`) and the named ones mail uses.
enum HTMLEntities {
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–",
        "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„",
        "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "bull": "•", "middot": "·",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "curren": "¤", "sect": "§", "para": "¶",
        "deg": "°", "plusmn": "±", "times": "×", "divide": "÷", "frac12": "½", "frac14": "¼",
        "frac34": "¾", "sup1": "¹", "sup2": "²", "sup3": "³", "micro": "µ", "iexcl": "¡",
        "iquest": "¿", "shy": "", "ordf": "ª", "ordm": "º", "not": "¬", "macr": "¯",
        "acute": "´", "cedil": "¸", "uml": "¨", "brvbar": "¦", "dagger": "†", "Dagger": "‡",
        "permil": "‰", "prime": "′", "Prime": "″", "larr": "←", "rarr": "→", "uarr": "↑",
        "darr": "↓", "harr": "↔", "ensp": " ", "emsp": " ", "thinsp": " ",
        "zwnj": "", "zwj": "", "lrm": "", "rlm": "", "check": "✓", "hearts": "♥", "star": "☆",
        "Agrave": "À", "Aacute": "Á", "Acirc": "Â", "Atilde": "Ã", "Auml": "Ä", "Aring": "Å",
        "AElig": "Æ", "Ccedil": "Ç", "Egrave": "È", "Eacute": "É", "Ecirc": "Ê", "Euml": "Ë",
        "Igrave": "Ì", "Iacute": "Í", "Icirc": "Î", "Iuml": "Ï", "ETH": "Ð", "Ntilde": "Ñ",
        "Ograve": "Ò", "Oacute": "Ó", "Ocirc": "Ô", "Otilde": "Õ", "Ouml": "Ö", "Oslash": "Ø",
        "Ugrave": "Ù", "Uacute": "Ú", "Ucirc": "Û", "Uuml": "Ü", "Yacute": "Ý", "THORN": "Þ",
        "szlig": "ß", "agrave": "à", "aacute": "á", "acirc": "â", "atilde": "ã", "auml": "ä",
        "aring": "å", "aelig": "æ", "ccedil": "ç", "egrave": "è", "eacute": "é", "ecirc": "ê",
        "euml": "ë", "igrave": "ì", "iacute": "í", "icirc": "î", "iuml": "ï", "eth": "ð",
        "ntilde": "ñ", "ograve": "ò", "oacute": "ó", "ocirc": "ô", "otilde": "õ", "ouml": "ö",
        "oslash": "ø", "ugrave": "ù", "uacute": "ú", "ucirc": "û", "uuml": "ü", "yacute": "ý",
        "thorn": "þ", "yuml": "ÿ", "OElig": "Œ", "oelig": "œ", "Scaron": "Š", "scaron": "š",
        "Yuml": "Ÿ", "fnof": "ƒ", "circ": "ˆ", "tilde": "˜",
    ]

    /// References that browsers accept without the closing semicolon.
    private static let legacyWithoutSemicolon: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]

    /// Decodes the reference starting at `start` (an `&`) to UTF-8; an unknown or malformed one
    /// stays literal. Returns the bytes and the index after what was consumed. Non-breaking and
    /// other typographic spaces come out as plain spaces so they collapse like any whitespace.
    static func decode(_ input: [UInt8], at start: Int) -> ([UInt8], Int) {
        let literal: ([UInt8], Int) = ([UInt8(ascii: "&")], start + 1)
        var j = start + 1
        while j < input.count, j - start <= 32, isReferenceByte(input[j]) { j += 1 }
        let body = String(decoding: input[(start + 1)..<j], as: UTF8.self)
        let hasSemicolon = j < input.count && input[j] == UInt8(ascii: ";")
        let next = hasSemicolon ? j + 1 : j
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value =
                digits.first == "x" || digits.first == "X"
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value else { return literal }
            if value == 0xA0 { return ([ByteScanning.space], next) }
            if (0x80...0x9F).contains(value) {  // HTML maps these C1 controls through Windows-1252
                return (Array(MIMECharset.decodeWindows1252([UInt8(value)]).utf8), next)
            }
            guard value != 0, let scalar = Unicode.Scalar(value) else { return (Array("\u{FFFD}".utf8), next) }
            return (Array(String(scalar).utf8), next)
        }
        if let text = named[body], hasSemicolon || legacyWithoutSemicolon.contains(body) {
            return (Array(text.utf8), next)
        }
        return literal
    }

    private static func isReferenceByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "#"): return true
        default: return false
        }
    }
}
