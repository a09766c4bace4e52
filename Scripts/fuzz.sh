#!/usr/bin/env bash
# libFuzzer harnesses for Patron's parsers (Fuzz/*.swift), built with swiftc outside the package
# (-sanitize=fuzzer,address), so the package's own build stays as it is.
#
#   Scripts/fuzz.sh [--seconds N] [--runs N] [--smoke] [--optimize] [TARGET…]
#
# Targets: segment (the segment language), ndjson (decode, and encode-decode agreement), contact
# (email and phone normalisation, idempotent), csv (the reader with sniffing, from a file), mime
# (the MIME parser and the mail event, which must always be valid), webhooks (the Shopify,
# WooCommerce and Stripe payload decoders: a first line `CONNECTOR TOPIC`, then the body), form
# (form decoding as Twilio posts it, round trip, status callbacks and inbound SMS), signatures
# (Shopify/WooCommerce base64 HMACs, the timestamped t=…,v1=… scheme, Twilio's, each against a
# fuzzed header), flows (the flow YAML reader with its template checker, and the loyalty file).
# Default: all. The packages Patron's modules use (swift-crypto, Yams, swift-mustache) are built
# by SwiftPM (`swift build --target …`, debug) and linked as they are, not instrumented: the
# coverage and the checks are Patron's code.
# Corpora live in .build/fuzz/corpus/TARGET, seeded from Fuzz/seeds and ../shared/fixtures
# (CSV files, e-mails, webhook captures); dictionaries from Fuzz/TARGET.dict. Each target runs --seconds (default
# 60), or until --runs executions if that comes first, with a 1 s timeout per input; crashes are
# written to .build/fuzz/crashes/TARGET/.
# --smoke runs each target over its seeds only (no mutation: deterministic, for CI) — it shows
# that every harness still builds and that no seed crashes. --optimize builds with -O (slower to
# build, several times more executions per second: use it for long runs).
# Prints, per target, the executions, the coverage (libFuzzer's cov and ft) and the verdict.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=60 smoke=0 opt=-Onone runs=-1
targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --smoke) smoke=1; shift ;;
        --optimize) opt=-O; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(segment ndjson contact csv mime webhooks form signatures flows)
out=.build/fuzz
lib=$out/lib suffix=
[ "$opt" = -O ] && lib=$out/lib-optimized suffix=-optimized  # (-Onone and -O builds kept apart)
mkdir -p "$lib"
spm=.build/debug
flags=(-sanitize=fuzzer,address -parse-as-library "$opt" -package-name patron -I "$lib" -L "$lib"
    -I "$spm/Modules")

# Builds a module from its sources into a static library (only when a source is newer).
module() {
    local name=$1; shift
    local archive=$lib/lib$name.a
    if [ -f "$archive" ] && [ -z "$(find "${@:2}" -newer "$archive" -print -quit)" ]; then return; fi
    echo "fuzz: building $name" >&2
    swiftc "${flags[@]}" -module-name "$name" -emit-library -static -emit-module \
        -emit-module-path "$lib/$name.swiftmodule" "${@:2}" -o "$archive"
}
core_sources=$(find Core/PatronCore -name '*.swift' | sort)
needs() { # the modules a target links, in build order
    case $1 in
        csv) echo "PatronCore PatronCSV" ;;
        mime) echo "PatronCore PatronMail" ;;
        webhooks) echo "PatronCore PatronWebhooks" ;;
        form) echo "PatronCore PatronSMS" ;;
        signatures) echo "PatronCore PatronWebhooks PatronSMS" ;;
        flows) echo "PatronCore PatronFlows" ;;
        *) echo "PatronCore" ;;
    esac
}
packages() { # the SwiftPM targets (of other packages) a target's modules use
    case $1 in
        webhooks | form | signatures) echo "Crypto" ;;
        flows) echo "Yams Mustache" ;;
    esac
}
# Their object files: each package target with the C targets under it.
package_objects() {
    local dirs=()
    for p in "$@"; do
        case $p in
            Crypto) dirs+=(Crypto CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims) ;;
            Yams) dirs+=(Yams CYaml) ;;
            *) dirs+=("$p") ;;
        esac
    done
    for d in "${dirs[@]}"; do find "$spm/$d.build" -name '*.o'; done
}
built_packages=""
build_packages() {
    for p in "$@"; do
        case " $built_packages " in *" $p "*) continue ;; esac
        echo "fuzz: swift build --target $p" >&2
        swift build --target "$p" >"$out/spm-$p.log" 2>&1 || { tail -n 20 "$out/spm-$p.log" >&2; exit 1; }
        built_packages="$built_packages $p"
        if [ "$p" = Yams ]; then  # Yams's C part, which its module names to importers
            local include=.build/checkouts/Yams/Sources/CYaml/include
            flags+=(-Xcc -fmodule-map-file="$include/module.modulemap" -I "$include")
        fi
    done
}
build_modules() {
    for m in $(needs "$1"); do
        case $m in
            PatronCore) module PatronCore "" $core_sources ;;
            PatronCSV) module PatronCSV "PatronCore" Connectors/PatronCSV/*.swift ;;
            PatronMail) module PatronMail "PatronCore" Connectors/PatronMail/MIME/*.swift \
                Connectors/PatronMail/Tickets/MailMessage+MIME.swift ;;
            PatronWebhooks) module PatronWebhooks "PatronCore" Connectors/PatronWebhooks/*.swift ;;
            PatronSMS) module PatronSMS "PatronCore" Connectors/PatronSMS/*.swift ;;
            PatronFlows) module PatronFlows "PatronCore" Core/PatronFlows/*.swift ;;
        esac
    done
}
seed() {
    local target=$1 corpus=$out/corpus/$1
    mkdir -p "$corpus"
    [ -d "Fuzz/seeds/$target" ] && cp -n Fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
    case $target in
        csv) [ -d ../shared/fixtures/csv ] && find ../shared/fixtures/csv ../shared/fixtures/shopify -name '*.csv' \
                -exec cp -n {} "$corpus"/ \; 2>/dev/null || true ;;
        flows) cp -n flows/*.yaml "$corpus"/ ;;  # the shipped flows
        mime) [ -d ../shared/fixtures/email ] && find ../shared/fixtures/email -type f ! -name '*.tsv' \
                -exec cp -n {} "$corpus"/ \; 2>/dev/null || true ;;
        webhooks) [ -d ../shared/fixtures/shopify/webhooks ] && python3 - "$corpus" <<'PY' || true ;;
import json, pathlib, sys
corpus = pathlib.Path(sys.argv[1])
root = pathlib.Path("../shared/fixtures")
for path in sorted(root.glob("*/webhooks/**/*.json")) + sorted(root.glob("stripe/**/*.json")):
    try:
        capture = json.loads(path.read_text())
        headers, body = capture["headers"], capture["body"]
    except (ValueError, KeyError, TypeError):
        continue
    topic = headers.get("x-shopify-topic") or headers.get("x-wc-webhook-topic")
    connector = "shopify" if "x-shopify-topic" in headers else "woocommerce" if topic else "stripe"
    name = corpus / ("capture-" + path.parent.name + "-" + path.stem)
    if not name.exists():
        name.write_text(f"{connector} {topic or ''}\n" + json.dumps(body))
PY
    esac
}

status=0
for target in "${targets[@]}"; do
    [ -f "Fuzz/$target.swift" ] || { echo "fuzz: no target '$target' (Fuzz/$target.swift)" >&2; exit 2; }
    build_packages $(packages "$target")
    build_modules "$target"
    bin=$out/fuzz-$target$suffix
    libs=()
    for m in $(needs "$target"); do libs=("-l$m" "${libs[@]}"); done  # users before what they use
    mapfile -t objects < <(package_objects $(packages "$target"))
    [ ${#objects[@]} -eq 0 ] || libs+=("${objects[@]}" -lstdc++)
    if [ ! -x "$bin" ] || [ -n "$(find "Fuzz/$target.swift" "$lib" -newer "$bin" -print -quit)" ] \
        || { [ ${#objects[@]} -gt 0 ] && [ -n "$(find "${objects[@]}" -newer "$bin" -print -quit)" ]; }; then
        echo "fuzz: linking $target" >&2
        # (ld.gold warns about every sanitizer helper symbol: kept out of sight unless it fails)
        swiftc "${flags[@]}" "Fuzz/$target.swift" "${libs[@]}" -o "$bin" >"$out/$target.link.log" 2>&1 \
            || { grep -v 'Cannot export local symbol' "$out/$target.link.log" >&2; exit 1; }
    fi
    seed "$target"
    mkdir -p "$out/crashes/$target"
    args=(-timeout=1 -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$target/" -print_final_stats=1)
    [ -f "Fuzz/$target.dict" ] && args+=(-dict="Fuzz/$target.dict")
    if [ "$smoke" = 1 ]; then args+=(-runs=0); else args+=(-max_total_time="$seconds" -runs="$runs"); fi
    log=$out/$target.log
    if "$bin" "${args[@]}" "$out/corpus/$target" >"$log" 2>&1; then verdict=ok; else verdict=FAILED; status=1; fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    printf 'fuzz: %-8s %s: %s executions, %s, corpus %s\n' "$target" "$verdict" "${execs:-?}" "${cov:-cov ?}" \
        "$(find "$out/corpus/$target" -type f | wc -l)"
    [ "$verdict" = ok ] || grep -E 'ERROR|Fatal|precondition|SUMMARY|Test unit written' "$log" | head -n 8 >&2
done
exit $status
