import Foundation
import Mustache

/// Charts the dashboard draws on the server as SVG: nothing is loaded from another host and no
/// script draws them. Every text in a chart goes through Mustache's HTML escaping. Colours come
/// from one sequential scale whose lightness falls with the value, so a chart reads in grey too,
/// and every cell or bar also prints its number.
enum SVGChart {
    /// The sequential scale (light to dark blue, monotonic in lightness), 9 steps.
    static let scale = [
        "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b",
    ]

    /// The fill for `value` in 0…1 and the ink that reads on it.
    static func colour(_ fraction: Double) -> (fill: String, ink: String) {
        let step = max(0, min(scale.count - 1, Int((fraction * Double(scale.count - 1)).rounded())))
        return (scale[step], step >= 5 ? "#ffffff" : "#111111")
    }

    /// A grid of cells (RFM's R × F, cohorts' retention): rows top to bottom, columns left to
    /// right; a cell may link somewhere and may be empty.
    struct HeatMap {
        struct Cell {
            var value: Double
            var text: String
            var label: String
            var href: String?
        }
        var title: String
        var rowTitle: String
        var columnTitle: String
        var rows: [String]
        var columns: [String]
        /// `cells[row][column]`; `nil` draws nothing.
        var cells: [[Cell?]]

        func svg() -> String {
            let (left, top, size) = (64.0, 34.0, cells.first.map { $0.count > 8 ? 44.0 : 72.0 } ?? 72.0)
            let largest = cells.joined().compactMap { $0?.value }.max() ?? 0
            var drawn: [[String: Any]] = []
            for (r, row) in cells.enumerated() {
                for (c, cell) in row.enumerated() {
                    guard let cell else { continue }
                    let (fill, ink) = SVGChart.colour(largest > 0 ? cell.value / largest : 0)
                    var item: [String: Any] = [
                        "x": left + Double(c) * size, "y": top + Double(r) * size, "size": size - 2,
                        "tx": left + Double(c) * size + (size - 2) / 2, "ty": top + Double(r) * size + size / 2 + 4,
                        "fill": fill, "ink": ink, "text": cell.text, "label": cell.label,
                    ]
                    if let href = cell.href { item["href"] = href }
                    drawn.append(item)
                }
            }
            let width = left + Double(columns.count) * size + 8
            let height = top + Double(rows.count) * size + 8
            return SVGChart.heatTemplate.render([
                "title": title, "width": width, "height": height, "cells": drawn,
                "columns": columns.enumerated().map {
                    ["x": left + (Double($0.offset) + 0.5) * size, "text": $0.element]
                },
                "rows": rows.enumerated().map {
                    ["y": top + (Double($0.offset) + 0.5) * size + 4, "text": $0.element]
                },
                "columnTitle": columnTitle, "rowTitle": rowTitle,
                "columnTitleX": left + Double(columns.count) * size / 2,
                "rowTitleY": top + Double(rows.count) * size / 2,
            ])
        }
    }

    /// Bars with a label and a value each: vertical (months) or horizontal (a funnel).
    struct Bars {
        var title: String
        var bars: [(label: String, value: Double, text: String)]
        var horizontal = false

        func svg() -> String {
            let largest = bars.map(\.value).max() ?? 0
            var drawn: [[String: Any]] = []
            if horizontal {
                let (left, barHeight, width) = (150.0, 30.0, 420.0)
                for (index, bar) in bars.enumerated() {
                    let length = largest > 0 ? max(1, bar.value / largest * width) : 1
                    drawn.append([
                        "x": left, "y": Double(index) * (barHeight + 8), "w": length, "h": barHeight,
                        "lx": left - 8, "ly": Double(index) * (barHeight + 8) + 20, "anchor": "end",
                        "tx": left + length + 6, "ty": Double(index) * (barHeight + 8) + 20,
                        "label": bar.label, "text": bar.text, "fill": SVGChart.scale[6],
                    ])
                }
                return SVGChart.barTemplate.render([
                    "title": title, "width": left + width + 90, "height": Double(bars.count) * (barHeight + 8),
                    "bars": drawn,
                ])
            }
            let (barWidth, height, bottom) = (28.0, 160.0, 40.0)
            for (index, bar) in bars.enumerated() {
                let length = largest > 0 ? max(1, bar.value / largest * height) : 1
                let x = 8 + Double(index) * (barWidth + 6)
                drawn.append([
                    "x": x, "y": 16 + height - length, "w": barWidth, "h": length,
                    "lx": x + barWidth / 2, "ly": 16 + height + 14, "anchor": "middle",
                    "tx": x + barWidth / 2, "ty": 16 + height - length - 3, "label": bar.label, "text": bar.text,
                    "fill": SVGChart.scale[6], "small": true,
                ])
            }
            return SVGChart.barTemplate.render([
                "title": title, "width": 16 + Double(bars.count) * (barWidth + 6), "height": 16 + height + bottom,
                "bars": drawn,
            ])
        }
    }

    /// A line of a few values (a saved segment's size at its last snapshots), 120 × 24.
    struct Spark {
        var label: String
        var values: [Int]

        func svg() -> String {
            guard values.count > 1, let low = values.min(), let high = values.max() else { return "" }
            let span = Double(max(1, high - low))
            let points = values.enumerated().map { index, value in
                let x = 2 + Double(index) * 116 / Double(values.count - 1)
                let y = 22 - Double(value - low) / span * 20
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
            return SVGChart.sparkTemplate.render(["label": label, "points": points])
        }
    }

    // The templates are constants of this file: they parse.
    static let heatTemplate = try! MustacheTemplate(
        string: """
            <svg class="chart" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}" xmlns="http://www.w3.org/2000/svg">
            <title>{{title}}</title>
            <text class="axis" x="{{columnTitleX}}" y="12" text-anchor="middle">{{columnTitle}}</text>
            <text class="axis" x="10" y="{{rowTitleY}}" text-anchor="middle" transform="rotate(-90 10 {{rowTitleY}})">{{rowTitle}}</text>
            {{#columns}}<text class="tick" x="{{x}}" y="28" text-anchor="middle">{{text}}</text>{{/columns}}
            {{#rows}}<text class="tick" x="58" y="{{y}}" text-anchor="end">{{text}}</text>{{/rows}}
            {{#cells}}{{#href}}<a href="{{href}}" aria-label="{{label}}">{{/href}}<rect x="{{x}}" y="{{y}}" width="{{size}}" height="{{size}}" rx="3" fill="{{fill}}"><title>{{label}}</title></rect><text x="{{tx}}" y="{{ty}}" text-anchor="middle" fill="{{ink}}">{{text}}</text>{{#href}}</a>{{/href}}
            {{/cells}}
            </svg>
            """)

    static let sparkTemplate = try! MustacheTemplate(
        string: """
            <svg class="spark" viewBox="0 0 120 24" width="120" height="24" role="img" aria-label="{{label}}" xmlns="http://www.w3.org/2000/svg"><title>{{label}}</title><polyline points="{{points}}" fill="none" stroke="#08519c" stroke-width="2"/></svg>
            """)

    static let barTemplate = try! MustacheTemplate(
        string: """
            <svg class="chart" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}" xmlns="http://www.w3.org/2000/svg">
            <title>{{title}}</title>
            {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"><title>{{label}}: {{text}}</title></rect><text class="tick" x="{{lx}}" y="{{ly}}" text-anchor="{{anchor}}">{{label}}</text><text class="{{#small}}tick{{/small}}{{^small}}value{{/small}}" x="{{tx}}" y="{{ty}}" text-anchor="{{^small}}start{{/small}}{{#small}}middle{{/small}}">{{text}}</text>
            {{/bars}}
            </svg>
            """)
}
