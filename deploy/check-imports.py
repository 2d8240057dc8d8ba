#!/usr/bin/env python3
"""Checks that Package.swift declares exactly what each target imports.

For every target of the package (from `swift package dump-package`), collects the modules its Swift sources
import (`import X`, `@testable import X`, `import struct X.Y`, `@preconcurrency import X`, ...) and compares
them with the modules its declared dependencies provide. Fails on an import that no declared dependency
provides (it builds today only because some other dependency drags the module in, and breaks when that one
changes), and on a declared dependency that no source imports (dead weight in every build). Toolchain modules
(Foundation, Glibc, Testing, ...) need no declaration.

Usage: deploy/check-imports.py [package directory]   (default: the repository root)
Exit status: 0 when every target is exact, 1 otherwise, 2 when the package cannot be read.
"""

import json
import os
import re
import subprocess
import sys

# Modules that come with the toolchain or the platform, never declared in Package.swift.
TOOLCHAIN_MODULES = {
    "Swift", "_Concurrency", "_StringProcessing", "SwiftShims", "Foundation", "FoundationEssentials",
    "FoundationInternationalization", "FoundationNetworking", "FoundationXML", "Dispatch", "Glibc", "Musl",
    "Darwin", "Android", "WinSDK", "ucrt", "CRT", "os", "XCTest", "Testing", "Synchronization", "Observation",
    "RegexBuilder", "Distributed", "Cxx", "CxxStdlib",
}

# Products of other packages whose modules are not just the product's own name. Every product this package
# uses today is a single module of the same name; one that is not belongs here, like swift-nio's file system.
PRODUCT_MODULES = {
    "_NIOFileSystem": {"_NIOFileSystem", "NIOFileSystem"},
}

# A dependency a target needs without importing it, with the reason. Empty today: keep it short.
NEEDED_WITHOUT_IMPORT = {
    # ("TargetName", "Module"): "why",
}

IMPORT = re.compile(
    r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*"          # @testable, @preconcurrency, @_spi(X), @_exported ...
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func|actor)\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)"
)


def dump_package(directory):
    try:
        output = subprocess.run(
            ["swift", "package", "--package-path", directory, "dump-package"],
            check=True, capture_output=True, text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        sys.exit(f"check-imports: swift package dump-package failed: {detail.strip()}")
    return json.loads(output)


def default_path(target):
    folder = {"test": "Tests"}.get(target["type"], "Sources")
    return os.path.join(folder, target["name"])


def source_files(directory, target):
    root = os.path.join(directory, target.get("path") or default_path(target))
    excluded = [os.path.normpath(os.path.join(root, item)) for item in target.get("exclude", [])]
    listed = target.get("sources")
    roots = [os.path.join(root, item) for item in listed] if listed else [root]
    for start in roots:
        if os.path.isfile(start):
            if start.endswith(".swift"):
                yield start
            continue
        for folder, subfolders, files in os.walk(start):
            subfolders[:] = sorted(s for s in subfolders if os.path.normpath(os.path.join(folder, s)) not in excluded)
            for name in sorted(files):
                path = os.path.normpath(os.path.join(folder, name))
                if name.endswith(".swift") and path not in excluded:
                    yield path


def imports_of(path):
    """The modules a file imports, skipping lines inside multi-line string literals and block comments."""
    modules = set()
    in_string = False
    in_comment = False
    with open(path, encoding="utf-8") as file:
        for line in file:
            if in_comment:
                if "*/" in line:
                    in_comment = False
                continue
            if not in_string:
                stripped = line.lstrip()
                if stripped.startswith("/*") and "*/" not in stripped:
                    in_comment = True
                    continue
                match = IMPORT.match(line)
                if match:
                    modules.add(match.group(1))
            if line.count('"""') % 2 == 1:
                in_string = not in_string
    return modules


def declared_modules(target):
    """Module name -> how Package.swift names the dependency that provides it."""
    provided = {}
    for dependency in target.get("dependencies", []):
        if "byName" in dependency:
            name = dependency["byName"][0]
            provided[name] = name
        elif "target" in dependency:
            name = dependency["target"][0]
            provided[name] = name
        elif "product" in dependency:
            product, package = dependency["product"][0], dependency["product"][1]
            label = f'.product(name: "{product}", package: "{package}")'
            for module in PRODUCT_MODULES.get(product, {product}):
                provided[module] = label
    return provided


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    package = dump_package(directory)
    problems = []
    checked = 0
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        checked += 1
        name = target["name"]
        imported = {}
        for path in source_files(directory, target):
            for module in imports_of(path):
                imported.setdefault(module, os.path.relpath(path, directory))
        provided = declared_modules(target)
        for module in sorted(set(imported) - set(provided) - TOOLCHAIN_MODULES - {name}):
            problems.append(f"{name}: imports {module} ({imported[module]}) but does not declare it")
        for module in sorted(set(provided) - set(imported)):
            if (name, module) in NEEDED_WITHOUT_IMPORT:
                continue
            problems.append(f"{name}: declares {provided[module]} but no source imports {module}")
    for problem in problems:
        print(f"    {problem}")
    if problems:
        print(f"check-imports: {len(problems)} mismatches in Package.swift across {checked} targets")
        return 1
    print(f"check-imports: {checked} targets import exactly what they declare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
