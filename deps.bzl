"""The external repositories dskv's BUILD files need.

A workspace that uses dskv declares it and then calls dskv_dependencies():

    local_repository(
        name = "dskv",
        path = "/path/to/dskv",
    )

    load("@dskv//:deps.bzl", "dskv_dependencies")

    dskv_dependencies()

dskv's own WORKSPACE calls it too, so both builds see the same repositories.
"""

def _stand_in_impl(repository_ctx):
    # Links the stand-in's files rather than copying them, so an edit under
    # third_party/ takes effect without a refetch.
    directory = repository_ctx.path(repository_ctx.attr.workspace_file).dirname
    for entry in directory.readdir():
        repository_ctx.symlink(entry, entry.basename)

# A repository whose files are a directory of dskv's source tree. Unlike
# local_repository, whose path is relative to the main workspace, this finds
# the directory through a label, so it works wherever dskv is checked out.
_stand_in = repository_rule(
    implementation = _stand_in_impl,
    attrs = {
        "workspace_file": attr.label(
            doc = "The WORKSPACE file at the root of the directory.",
            allow_single_file = True,
            mandatory = True,
        ),
    },
)

def dskv_dependencies():
    """Declares the repositories dskv needs. Call it from WORKSPACE."""

    # Bazel 4.2.3 (Debian's bazel-bootstrap) downloads these three on first
    # use, even for a build that uses none of their rules. dskv builds
    # offline, so each is replaced by a tiny stand-in under third_party/ that
    # re-exports Bazel's native rules. This overrides Bazel's own
    # declarations of the same names.
    for name in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        _stand_in(
            name = name,
            workspace_file = Label("//third_party/%s:WORKSPACE" % name),
        )
