#!/usr/bin/env bash
# Tests docs/check_samples.sh: it passes on a correct page, and fails, saying
# where and why, on each kind of mistake its rules forbid; and it fails on a
# copy of the real guide whose sample, or whose page, was changed.
#
#   docs/check_samples_test.sh      (or: bazel test //docs:check_samples_test)
# shellcheck disable=SC2016  # Backticks and $1 in single quotes are literal.
set -euo pipefail

if [[ -n "${TEST_SRCDIR:-}" && -n "${TEST_WORKSPACE:-}" ]]; then
  here="$TEST_SRCDIR/$TEST_WORKSPACE"
else
  here="$(cd "$(dirname "$0")/.." && pwd)"
fi
checker="$here/docs/check_samples.sh"
work="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/check_samples_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
failures=0

# A small repository: a page with a marked C++ region (with a blank line and
# a nested region inside), a whole-file CMake block with a tab, an unmarked
# sh block, and links to a file and to a heading.
make_fixture() {
  rm -rf "$repo"
  mkdir -p "$repo/docs/samples" "$repo/examples/cmake"
  cat >"$repo/docs/samples/demo.cc" <<'END'
int main() {
  // [START body]
  int x = 1;

  // [START inner]
  return x - 1;
  // [END inner]
  // [END body]
}
END
  printf 'project(demo)\n\tadd_executable(demo main.cc)\n' \
    >"$repo/examples/cmake/CMakeLists.txt"
  cat >"$repo/docs/page.md" <<'END'
# Page

## A section

See [the section](#a-section), [the sample](samples/demo.cc) and
[the CMake file](../examples/cmake/CMakeLists.txt "a title").

<!-- sample: docs/samples/demo.cc body -->
```cpp
int x = 1;

return x - 1;
```

<!-- sample: examples/cmake/CMakeLists.txt -->
```cmake
project(demo)
	add_executable(demo main.cc)
```

<!-- sample: docs/samples/demo.cc inner -->
  ```cpp
  return x - 1;
  ```

```sh
echo unmarked shell commands are fine
```

```console
$ echo so are sessions
```
END
}

# Runs the checker on the fixture; its messages go to $work/out.
run_checker() {
  "$checker" --root "$repo" >"$work/out" 2>&1
}

expect_pass() {
  local what="$1"
  if run_checker; then
    echo "ok: $what"
  else
    echo "FAIL: $what: the checker failed:"
    sed 's/^/    /' "$work/out"
    failures=$((failures + 1))
  fi
}

# expect_fail WHAT MESSAGE: the checker fails, and says MESSAGE.
expect_fail() {
  local what="$1" message="$2"
  if run_checker; then
    echo "FAIL: $what: the checker passed"
    failures=$((failures + 1))
  elif ! grep -qF -- "$message" "$work/out"; then
    echo "FAIL: $what: the checker failed without saying \"$message\":"
    sed 's/^/    /' "$work/out"
    failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}

# edit FILE PERL-EXPRESSION: edits a fixture file in place.
edit() {
  perl -0pi -e "$2" "$repo/$1"
}

make_fixture
expect_pass "a correct page"

make_fixture
edit docs/page.md 's/int x = 1;/int x = 2;/'
expect_fail "a block that differs from its region" \
  "docs/page.md:9: block differs from docs/samples/demo.cc region body"
grep -qxF -- "+int x = 2;" "$work/out" ||
  {
    echo "FAIL: no diff line in the message"
    failures=$((failures + 1))
  }

make_fixture
edit docs/samples/demo.cc 's/return x - 1;/return x;/'
expect_fail "a region changed under its block" \
  "block differs from docs/samples/demo.cc region body"

make_fixture
edit docs/samples/demo.cc 's/\n\n/\n  \n/'
expect_pass "a whitespace-only line in a region is blank"

make_fixture
edit docs/page.md 's/\t/    /'
expect_fail "a whole file that differs (tab against spaces)" \
  "block differs from examples/cmake/CMakeLists.txt"

make_fixture
edit docs/page.md 's/<!-- sample: docs\/samples\/demo.cc body -->\n//'
expect_fail "a cpp block without a marker" \
  'docs/page.md:8: ```cpp block has no sample marker'

make_fixture
printf '\n```text\nplain\n```\n' >>"$repo/docs/page.md"
expect_fail "a text block without a marker" '```text block has no sample marker'

make_fixture
printf '\n```\nplain\n```\n' >>"$repo/docs/page.md"
expect_fail "a block without a language or a marker" \
  '``` block has no sample marker'

make_fixture
edit docs/page.md 's/demo.cc body/demo.cc nobody/'
expect_fail "a marker naming a missing region" 'no region "nobody"'

make_fixture
edit docs/page.md 's/demo.cc body/missing.cc body/'
expect_fail "a marker naming a missing file" 'no file "docs/samples/missing.cc"'

make_fixture
edit docs/page.md 's/demo.cc body/..\/..\/demo.cc body/'
expect_fail "a marker path outside the repository" "must be relative"

make_fixture
edit docs/page.md 's/(<!-- sample: docs\/samples\/demo.cc body -->\n)/$1\n/'
expect_fail "a marker not directly above its block" \
  "docs/page.md:8: sample marker is not directly above a fenced block"

make_fixture
printf '\n<!-- sample: docs/samples/demo.cc body -->\n' >>"$repo/docs/page.md"
expect_fail "a marker at the end of the page" "not directly above a fenced"

make_fixture
printf '\n<!-- sample: docs/samples/demo.cc body\n```cpp\n```\n' \
  >>"$repo/docs/page.md"
expect_fail "a marker without its -->" "sample marker must be one line"

make_fixture
printf '\n```cpp\nint y;\n' >>"$repo/docs/page.md"
expect_fail "a block that is never closed" "fenced block not closed"

make_fixture
printf '\n~~~cpp\nint y;\n~~~\n' >>"$repo/docs/page.md"
expect_fail "a fence of tildes" "fence of tildes"

make_fixture
edit docs/samples/demo.cc 's/  \/\/ \[END body\]\n}/  }/'
expect_fail "a region without END" 'region "body" has no END marker'

make_fixture
edit docs/samples/demo.cc 's/  \/\/ \[END inner\]\n/  \/\/ [END inner]\n  \/\/ [START inner]\n/'
expect_fail "a region that starts twice" 'region "inner" starts twice'

make_fixture
edit docs/samples/demo.cc 's/  int x = 1;/int x = 1;/'
expect_fail "a region line indented less than its START marker" \
  "indented less than its START marker"

make_fixture
printf '\nSee [nothing](nowhere.md).\n' >>"$repo/docs/page.md"
expect_fail "a link to a missing file" 'link "nowhere.md": no docs/nowhere.md'

make_fixture
printf '\nSee [nothing](#nowhere).\n' >>"$repo/docs/page.md"
expect_fail "a link to a missing heading" "has no heading with anchor #nowhere"

make_fixture
printf '\nSee [out](../../outside.md).\n' >>"$repo/docs/page.md"
expect_fail "a link out of the repository" "leaves the repository"

make_fixture
printf '\nCode spans are not links: `[a](b)`. URLs are not checked:\n[x](https://example.com/nowhere).\n' \
  >>"$repo/docs/page.md"
expect_pass "code spans and URLs"

make_fixture
if "$checker" --root "$repo" --print docs/samples/demo.cc inner >"$work/out" &&
  [[ "$(cat "$work/out")" == "return x - 1;" ]]; then
  echo "ok: --print prints a region"
else
  echo "FAIL: --print printed:"
  cat "$work/out"
  failures=$((failures + 1))
fi

# The real guide: a copy passes; a changed sample, or a changed block, fails.
real="$work/real"
copy_guide() {
  rm -rf "$real"
  mkdir -p "$real/docs/samples"
  cp -L "$here"/docs/*.md "$real/docs/"
  cp -L "$here"/docs/samples/* "$real/docs/samples/"
}
check_real() {
  # api.md's blocks and links stay within docs/.
  "$checker" --root "$real" "$real/docs/api.md" >"$work/out" 2>&1
}

copy_guide
if check_real; then
  echo "ok: a copy of docs/api.md passes"
else
  echo "FAIL: a copy of docs/api.md fails:"
  cat "$work/out"
  failures=$((failures + 1))
fi

copy_guide
perl -pi -e 's/"artist\/nobody"/"artist\/somebody"/' \
  "$real/docs/samples/api_tour.cc"
if ! check_real && grep -qF \
  "block differs from docs/samples/api_tour.cc region get" "$work/out"; then
  echo "ok: a changed sample fails the real guide"
else
  echo "FAIL: a changed sample did not fail the real guide as expected:"
  cat "$work/out"
  failures=$((failures + 1))
fi

copy_guide
perl -pi -e 's/store\.Compact\(\)/store.Compact(true)/' "$real/docs/api.md"
if ! check_real && grep -qF \
  "block differs from docs/samples/api_tour.cc region compact" "$work/out"
then
  echo "ok: a changed block fails the real guide"
else
  echo "FAIL: a changed block did not fail the real guide as expected:"
  cat "$work/out"
  failures=$((failures + 1))
fi

if ((failures > 0)); then
  echo "check_samples_test.sh: $failures FAILED"
  exit 1
fi
echo "check_samples_test.sh: all passed"
