"""Rules that package dskv for builds other than Bazel."""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _own_pic_archives(library):
    """The PIC archives of `library` and of the libraries it depends on.

    PIC objects link into position-independent executables (Debian's default)
    and into shared libraries alike.

    Fails rather than merge archives into one that would link differently
    from `library` in Bazel: for a library of another repository (should the
    archive bundle it, or its users link it? someone has to decide), and for
    an alwayslink library (an archive member is linked only if referred to).
    """
    archives = []
    for linker_input in library[CcInfo].linking_context.linker_inputs.to_list():
        owner = linker_input.owner
        for library_to_link in linker_input.libraries:
            if owner.workspace_name != library.label.workspace_name:
                fail("%s links %s from another repository; decide whether " %
                     (library.label, owner) + "the archive should bundle it")
            if library_to_link.alwayslink:
                fail("%s is alwayslink, which a merged archive cannot keep" %
                     owner)
            if not library_to_link.pic_static_library:
                fail("%s has no PIC static archive" % owner)
            archives.append(library_to_link.pic_static_library)
    return archives

def _cc_static_archive_impl(ctx):
    archives = _own_pic_archives(ctx.attr.library)
    cc_toolchain = find_cpp_toolchain(ctx)
    out = ctx.actions.declare_file(ctx.label.name + ".a")
    args = ctx.actions.args()
    args.add(cc_toolchain.ar_executable)
    args.add(out)
    args.add_all(archives)
    ctx.actions.run(
        executable = ctx.executable._merge_archives,
        arguments = [args],
        inputs = depset(archives, transitive = [cc_toolchain.all_files]),
        outputs = [out],
        mnemonic = "MergeArchives",
        progress_message = "Merging %d archives into %s" %
                           (len(archives), out.short_path),
    )
    return [DefaultInfo(files = depset([out]))]

cc_static_archive = rule(
    implementation = _cc_static_archive_impl,
    doc = """One static archive, `<name>.a`, of every object of a cc_library
    and of the cc_libraries it depends on in the same repository. Libraries
    that only carry linkopts (such as //third_party/system) add nothing:
    whoever links the archive names them (dskv.pc, dskvConfig.cmake).""",
    attrs = {
        "library": attr.label(mandatory = True, providers = [CcInfo]),
        "_merge_archives": attr.label(
            default = Label("//packaging:merge_archives"),
            executable = True,
            cfg = "exec",
        ),
        "_cc_toolchain": attr.label(
            default = Label("@bazel_tools//tools/cpp:current_cc_toolchain"),
        ),
    },
)

def _path_in_repository(file):
    """`file`'s path relative to its repository's root: its include path."""
    if not file.is_source:
        fail(("%s is generated (include_prefix or strip_include_prefix?); " +
              "install_tarball installs source headers only") % file.short_path)
    root = file.owner.workspace_root
    return file.path[len(root) + 1:] if root else file.path

def _install_tarball_impl(ctx):
    # Each entry is (how, source file, path in the install tree); how is
    # "copy" or "configure" (replace @DSKV_VERSION@), see make_tarball.sh.
    compilation_context = ctx.attr.headers_of[CcInfo].compilation_context
    entries = [
        ("copy", header, "include/" + _path_in_repository(header))
        for header in compilation_context.direct_public_headers
    ]
    for how, targets in [
        ("copy", ctx.attr.files),
        ("configure", ctx.attr.templates),
    ]:
        for target, dest in targets.items():
            sources = target.files.to_list()
            if len(sources) != 1:
                fail("%s is %d files; install_tarball installs one as %s" %
                     (target.label, len(sources), dest))
            entries.append((how, sources[0], dest))

    seen = {}
    for _, source, dest in entries:
        if dest.startswith("/") or ".." in dest.split("/"):
            fail("%s: %s is not a path inside the install tree" %
                 (source.short_path, dest))
        if dest in seen:
            fail("both %s and %s would be installed as %s" %
                 (seen[dest], source.short_path, dest))
        seen[dest] = source.short_path

    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    args = ctx.actions.args()
    args.add(ctx.file.version)
    args.add(out)
    for how, source, dest in entries:
        args.add_all([how, source, dest])
    ctx.actions.run(
        executable = ctx.executable._make_tarball,
        arguments = [args],
        inputs = [ctx.file.version] + [source for _, source, _ in entries],
        outputs = [out],
        mnemonic = "InstallTarball",
        progress_message = "Packaging %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

install_tarball = rule(
    implementation = _install_tarball_impl,
    doc = """A relocatable install tree as `<name>.tar.gz`, whose one top
    directory is dskv-<version>. It holds the public headers of `headers_of`
    under include/, and each file of `files` and `templates` at the path it
    maps to. Files installed under bin/ are executable.""",
    attrs = {
        "headers_of": attr.label(
            doc = "The public library: its own hdrs are the public headers.",
            mandatory = True,
            providers = [CcInfo],
        ),
        "files": attr.label_keyed_string_dict(
            doc = "Files installed as they are, each to a path in the tree.",
            allow_files = True,
        ),
        "templates": attr.label_keyed_string_dict(
            doc = "Files installed with @DSKV_VERSION@ replaced.",
            allow_files = True,
        ),
        "version": attr.label(
            doc = "A file holding the version, MAJOR.MINOR.PATCH.",
            mandatory = True,
            allow_single_file = True,
        ),
        "_make_tarball": attr.label(
            default = Label("//packaging:make_tarball"),
            executable = True,
            cfg = "exec",
        ),
    },
)
