#!/usr/bin/env bash
# Formats the Swift sources in place with the toolchain's swift-format (.swift-format).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel Package.swift Core Connectors Apps Tests Fuzz
