#!/usr/bin/env bash
# Checks that every fenced code block of the user guide is a copy of a file,
# or of a region of a file, that is compiled, run or built elsewhere, so that
# no sample in the guide can go stale; and that the guide's relative links
# lead somewhere.
#
#   docs/check_samples.sh [--root DIR] [FILE.md ...]
#       Checks FILE.md (default: DIR/README.md and every DIR/docs/*.md). DIR
#       is the repository root (default: the checkout this script is in).
#       Exit status 0 if everything passes, 1 if anything fails (each
#       failure is printed as file:line: message), 2 on a usage error.
#   docs/check_samples.sh [--root DIR] --print PATH [REGION]
#       Prints what a block marked with PATH and REGION must hold: paste it
#       into the Markdown.
#
# The rules:
#
# 1. Blocks. A fenced block opens with a line of at most 3 spaces, then three
#    or more backticks and an info string (its first word is the block's
#    language), and closes with a line of at least as many backticks and
#    nothing else. The block's lines lose the opening fence's indentation.
#    Fences of tildes (~~~) are refused, so that no block escapes the check.
#
# 2. Markers. A block is marked by a line directly above its opening fence,
#    holding only an HTML comment (invisible once rendered):
#
#        <!-- sample: PATH REGION -->    the block is the region REGION of PATH
#        <!-- sample: PATH -->           the block is the whole file PATH
#
#    PATH is relative to the repository root (docs/samples/api_tour.cc,
#    examples/cmake/CMakeLists.txt). Any block may be marked, whatever its
#    language. A marker that is not directly above an opening fence is an
#    error.
#
# 3. Unmarked blocks are allowed only for shell commands and sessions: the
#    languages sh and console. Every other block (cpp, cmake, make, starlark,
#    text, or none) must be marked.
#
# 4. Regions. In the file, a region is the lines strictly between
#
#        // [START name]    or    # [START name]
#        // [END name]      or    # [END name]
#
#    (a marker line holds only the comment, indented by any whitespace; the
#    name has no spaces; `//` for C and C++, `#` for CMake, make, Python,
#    shell, Starlark). Regions may nest or overlap: marker lines of other
#    regions inside a region are left out of it. A name appears at most once
#    per file, START before END.
#
# 5. Dedent. Every line of a region loses the leading whitespace of its START
#    marker line, exactly as written (spaces or tabs); a region line that does
#    not begin with that whitespace, and is not blank, is an error. A blank
#    line (whitespace only) becomes empty. So: indent the START marker as
#    the code it precedes; the block shows that code from column 0. A whole
#    file is taken as it is, with no dedent.
#
# 6. Match. The block must equal the region (or file) byte for byte, line
#    for line; a difference is printed as a unified diff (--- expected,
#    +++ the block).
#
# 7. Links. Outside fenced blocks and code spans, the target of every
#    Markdown link [text](target) that is not a URL (scheme:...) or a bare
#    #fragment must exist, relative to the Markdown file. A #fragment on a
#    link to one of the checked Markdown files (or a bare #fragment) must
#    name one of its headings, as GitHub makes anchors: lower case, spaces
#    as -, characters other than letters, digits, - and _ dropped.
#
# Under `bazel test` the root is the test's runfiles tree, which holds the
# sh_test's data. Files Bazel cannot see there (examples/, which .bazelignore
# hides from Bazel) are read from the source tree the runfiles link to, found
# by resolving this script's symlink; the test is tagged "external" so that
# Bazel never caches a result that depends on them.
#
# Only bash, POSIX utilities, awk (mawk is enough) and diff are used.
set -euo pipefail

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The checkout this script is in, through any symlinks (Bazel's runfiles).
script_root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
if [[ -n "${TEST_SRCDIR:-}" && -n "${TEST_WORKSPACE:-}" ]]; then
  root="$TEST_SRCDIR/$TEST_WORKSPACE"
  fallback_root="$script_root"
else
  root="$script_root"
  fallback_root=""
fi
print_path=""
print_region=""
printing=0
files=()
while (($# > 0)); do
  case "$1" in
    --root | --root=*)
      if [[ "$1" == --root ]]; then
        (($# >= 2)) || usage
        root="$2"
        shift 2
      else
        root="${1#--root=}"
        shift
      fi
      # An explicit root is the only place files are looked up.
      fallback_root=""
      ;;
    --print)
      (($# >= 2 && $# <= 3)) || usage
      printing=1
      print_path="$2"
      print_region="${3:-}"
      shift $#
      ;;
    -h | --help | -*) usage ;;
    *)
      files+=("$1")
      shift
      ;;
  esac
done
root="$(cd "$root" && pwd)"
[[ "$fallback_root" == "$root" ]] && fallback_root=""

# Prints the region $3 of the file $2 (the whole file if $3 is empty),
# dedented; $1 is how the file is named in error messages. Fails with a
# message if the region is missing or malformed.
extract() {
  awk -v shown="$1" -v region="$3" '
    # "START name", "END name" or "" for a line that is not a region marker.
    function marker(line,    s) {
      s = line
      sub(/^[ \t]+/, "", s)
      if (substr(s, 1, 2) == "//") s = substr(s, 3)
      else if (substr(s, 1, 1) == "#") s = substr(s, 2)
      else return ""
      sub(/^[ \t]+/, "", s)
      sub(/[ \t\r]+$/, "", s)
      if (substr(s, 1, 1) != "[" || substr(s, length(s), 1) != "]") return ""
      s = substr(s, 2, length(s) - 2)
      if (s ~ /^(START|END) [^ \t]+$/) return s
      return ""
    }
    function fail(message) {
      print shown ":" FNR ": " message > "/dev/stderr"
      failed = 1
      exit 1
    }
    BEGIN { state = 0 }  # 0 before the region, 1 inside, 2 after.
    {
      if (region == "") { print; next }
      m = marker($0)
      if (m == "START " region) {
        if (state != 0) fail("region \"" region "\" starts twice")
        state = 1
        prefix = $0
        sub(/[^ \t].*$/, "", prefix)
        next
      }
      if (m == "END " region) {
        if (state != 1) fail("region \"" region "\" ends before it starts")
        state = 2
        next
      }
      if (state != 1 || m != "") next
      if ($0 ~ /^[ \t]*$/) { print ""; next }
      if (substr($0, 1, length(prefix)) != prefix) {
        fail("line of region \"" region "\" is indented less than its " \
             "START marker")
      }
      print substr($0, length(prefix) + 1)
    }
    END {
      if (failed) exit 1
      if (region != "" && state == 0) {
        print shown ": no region \"" region "\" (no line \"// [START " \
              region "]\" or \"# [START " region "]\")" > "/dev/stderr"
        exit 1
      }
      if (state == 1) {
        print shown ": region \"" region "\" has no END marker" \
              > "/dev/stderr"
        exit 1
      }
    }
  ' "$2"
}

# Prints the path of $1, relative to the repository root, if it exists (as
# a file if $2 is "file", as anything otherwise): under the root, or else
# under the fallback root.
locate() {
  local candidate
  for candidate in "$root" "$fallback_root"; do
    [[ -n "$candidate" ]] || continue
    if [[ "$2" == file && -f "$candidate/$1" ]] ||
      [[ "$2" != file && -e "$candidate/$1" ]]; then
      printf '%s\n' "$candidate/$1"
      return 0
    fi
  done
  return 1
}

# Checks that the marker path $1 names a file in the repository; prints its
# path.
resolve() {
  case "$1" in
    /* | ../* | */../* | .. | */..)
      echo "marker path \"$1\" must be relative to the repository root," \
        "inside it" >&2
      return 1
      ;;
  esac
  if ! locate "$1" file; then
    echo "no file \"$1\" (looked in $root${fallback_root:+ and $fallback_root})" >&2
    return 1
  fi
}

if ((printing)); then
  path="$(resolve "$print_path")" || exit 1
  extract "$print_path" "$path" "$print_region"
  exit $?
fi

if ((${#files[@]} == 0)); then
  for f in "$root"/README.md "$root"/docs/*.md; do
    [[ -e "$f" ]] && files+=("$f")
  done
  if ((${#files[@]} == 0)); then
    echo "check_samples.sh: no Markdown files in $root/docs" >&2
    exit 1
  fi
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/check_samples.XXXXXX")"
trap 'rm -rf "$work"' EXIT

status=0

# Pass 1: splits each Markdown file $i into $work/$i/: block.N holds block
# N's lines; index a line per block (N, the line of its opening fence, its
# language, its marker's path and region, "-" for none); links a line per
# link (line, target); anchors its headings' anchors. $work/names maps $i to
# the file's path relative to the root, for links between the files.
: >"$work/names"
i=0
for md in "${files[@]}"; do
  i=$((i + 1))
  mkdir "$work/$i"
  : >"$work/$i/index"
  : >"$work/$i/links"
  : >"$work/$i/anchors"
  if [[ ! -f "$md" ]]; then
    echo "$md: no such file" >&2
    status=1
    continue
  fi
  absolute="$(cd "$(dirname "$md")" && pwd)/$(basename "$md")"
  shown="${absolute#"$root"/}"
  printf '%s\t%s\n' "$i" "$shown" >>"$work/names"
  if ! awk -v shown="$shown" -v out_dir="$work/$i" '
    function fail(line, message) {
      print shown ":" line ": " message > "/dev/stderr"
      failed = 1
    }
    function indent(s,    t) {
      t = s
      sub(/[^ ].*$/, "", t)
      return length(t)
    }
    # The number of backticks that open s, or 0.
    function ticks(s,    t) {
      t = s
      sub(/[^`].*$/, "", t)
      return length(t)
    }
    # The anchor GitHub makes for a heading.
    function anchor(text,    a) {
      a = tolower(text)
      gsub(/[^a-z0-9 _-]/, "", a)
      gsub(/ /, "-", a)
      return a
    }
    BEGIN { in_block = 0; n = 0; marker_line = 0 }
    {
      line = $0
      sub(/\r$/, "", line)
      if (in_block) {
        t = line
        sub(/^ +/, "", t)
        if (ticks(t) >= fence_ticks && t ~ /^`+[ \t]*$/) {
          in_block = 0
          close(out)
          next
        }
        # Content loses up to the fence indentation in spaces.
        for (i = 0; i < fence_indent && substr(line, 1, 1) == " "; i++) {
          line = substr(line, 2)
        }
        print line > out
        next
      }
      stripped = line
      sub(/^ +/, "", stripped)
      opening = indent(line) <= 3 && ticks(stripped) >= 3
      if (indent(line) <= 3 && substr(stripped, 1, 3) == "~~~") {
        fail(FNR, "fence of tildes: use backticks, so that the block is " \
                  "checked")
      }
      if (marker_line && !opening) {
        fail(marker_line, "sample marker is not directly above a fenced " \
                          "block")
        marker_line = 0
      }
      if (opening) {
        n++
        in_block = 1
        fence_ticks = ticks(stripped)
        fence_indent = indent(line)
        info = substr(stripped, fence_ticks + 1)
        sub(/^[ \t]+/, "", info)
        sub(/[ \t].*$/, "", info)
        if (info == "") info = "-"
        out = out_dir "/block." n
        printf "" > out
        if (marker_line) {
          printf "%d\t%d\t%s\t%s\t%s\n", n, FNR, info, marker_path,
                 marker_region > (out_dir "/index")
        } else {
          printf "%d\t%d\t%s\t-\t-\n", n, FNR, info > (out_dir "/index")
        }
        marker_line = 0
        next
      }
      if (stripped ~ /^<!--[ \t]*sample:/) {
        m = stripped
        sub(/^<!--[ \t]*sample:[ \t]*/, "", m)
        if (m !~ /-->[ \t]*$/) {
          fail(FNR, "sample marker must be one line: <!-- sample: PATH " \
                    "[REGION] -->")
          next
        }
        sub(/[ \t]*-->[ \t]*$/, "", m)
        k = split(m, field, /[ \t]+/)
        if (k < 1 || k > 2 || field[1] == "") {
          fail(FNR, "malformed sample marker: <!-- sample: PATH [REGION] -->")
          next
        }
        marker_line = FNR
        marker_path = field[1]
        marker_region = k == 2 ? field[2] : "-"
        next
      }
      if (indent(line) <= 3 && stripped ~ /^#+ /) {
        heading = stripped
        sub(/^#+ +/, "", heading)
        sub(/[ #]+$/, "", heading)
        print anchor(heading) > (out_dir "/anchors")
      }
      # Links, outside code spans.
      text = line
      gsub(/`[^`]*`/, "", text)
      while (match(text, /\]\([^)]*\)/)) {
        target = substr(text, RSTART + 2, RLENGTH - 3)
        sub(/[ \t].*$/, "", target)  # A title after the target.
        printf "%d\t%s\n", FNR, target > (out_dir "/links")
        text = substr(text, RSTART + RLENGTH)
      }
    }
    END {
      if (in_block) fail("end", "fenced block not closed")
      if (marker_line) {
        fail(marker_line, "sample marker is not directly above a fenced block")
      }
      close(out_dir "/index")
      close(out_dir "/links")
      close(out_dir "/anchors")
      exit failed
    }
  ' "$md"; then
    status=1
  fi
done

# The directory, relative to the root, of the file called $1 there; "." for
# the root itself.
dir_of() {
  case "$1" in
    */*) printf '%s\n' "${1%/*}" ;;
    *) printf '.\n' ;;
  esac
}

# Prints the normalized form of the relative path $1 ("a/./b/../c" is
# "a/c"); fails if it leaves the root.
normalize() {
  local part out=()
  local IFS=/
  for part in $1; do
    case "$part" in
      "" | .) ;;
      ..)
        ((${#out[@]} > 0)) || return 1
        unset 'out[${#out[@]}-1]'
        ;;
      *) out+=("$part") ;;
    esac
  done
  ((${#out[@]} > 0)) || {
    printf '.\n'
    return 0
  }
  printf '%s\n' "${out[*]}"
}

# Pass 2: every block, then every link.
blocks=0
marked=0
links=0
# shellcheck disable=SC2094  # $work/names is only read, here and inside.
while IFS=$'\t' read -r i shown; do
  while IFS=$'\t' read -r n line lang path region; do
    blocks=$((blocks + 1))
    where="$shown:$line"
    if [[ "$path" == "-" ]]; then
      case "$lang" in
        sh | console) ;;
        *)
          echo "$where: \`\`\`$([[ "$lang" == "-" ]] || echo "$lang") block" \
            "has no sample marker; only sh and console blocks may go" \
            "without one (add <!-- sample: PATH [REGION] --> above it)" >&2
          status=1
          ;;
      esac
      continue
    fi
    marked=$((marked + 1))
    [[ "$region" == "-" ]] && region=""
    if ! file="$(resolve "$path" 2>"$work/error")"; then
      echo "$where: $(cat "$work/error")" >&2
      status=1
      continue
    fi
    if ! extract "$path" "$file" "$region" >"$work/expected" 2>"$work/error"
    then
      echo "$where: $(cat "$work/error")" >&2
      status=1
      continue
    fi
    if ! cmp -s "$work/expected" "$work/$i/block.$n"; then
      echo "$where: block differs from ${path}${region:+ region $region}:" >&2
      diff -u --label "expected ($path${region:+ $region})" \
        --label "$where" "$work/expected" "$work/$i/block.$n" >&2 || true
      status=1
    fi
  done <"$work/$i/index"

  while IFS=$'\t' read -r line target; do
    links=$((links + 1))
    where="$shown:$line"
    case "$target" in
      [a-zA-Z]*:*) continue ;;  # A URL.
    esac
    file_part="${target%%#*}"
    fragment=""
    [[ "$target" == *"#"* ]] && fragment="${target#*#}"
    if [[ -z "$file_part" ]]; then
      linked="$shown"
    elif ! linked="$(normalize "$(dir_of "$shown")/$file_part")"; then
      echo "$where: link \"$target\" leaves the repository" >&2
      status=1
      continue
    elif ! locate "$linked" any >/dev/null; then
      echo "$where: link \"$target\": no $linked" >&2
      status=1
      continue
    fi
    [[ -n "$fragment" ]] || continue
    # Anchors are known for the checked Markdown files only.
    j="$(awk -F '\t' -v name="$linked" '$2 == name { print $1 }' \
      "$work/names")"
    [[ -n "$j" ]] || continue
    if ! grep -qxF -- "$fragment" "$work/$j/anchors"; then
      echo "$where: link \"$target\": $linked has no heading with anchor" \
        "#$fragment" >&2
      status=1
    fi
  done <"$work/$i/links"
done <"$work/names"

if ((status == 0)); then
  echo "check_samples.sh: ${#files[@]} files, $blocks fenced blocks" \
    "($marked checked against their sources), $links links: OK"
else
  echo "check_samples.sh: FAILED" >&2
fi
exit "$status"
