# CMake package for dskv, installed by scripts/install.sh:
#
#   find_package(dskv REQUIRED)  # with -DCMAKE_PREFIX_PATH=<prefix>
#   target_link_libraries(app PRIVATE dskv::dskv)
#
# Relocatable: every path is relative to this file, <prefix>/lib/cmake/dskv.
#
# libdskv.a holds dskv's own objects only. The libraries they call come from
# Debian's packages: Abseil and fmt through their CMake packages, xxHash
# (which has none) through find_library. Keep them in step with
# //third_party/system and dskv.pc.

include(CMakeFindDependencyMacro)
find_dependency(absl)
find_dependency(fmt)
find_dependency(Threads)

find_library(dskv_XXHASH_LIBRARY NAMES xxhash)
mark_as_advanced(dskv_XXHASH_LIBRARY)
if(NOT dskv_XXHASH_LIBRARY)
  set(dskv_FOUND FALSE)
  set(dskv_NOT_FOUND_MESSAGE
      "dskv needs libxxhash (Debian: libxxhash-dev), which find_library missed")
  return()
endif()

get_filename_component(_dskv_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.."
                       ABSOLUTE)
set(_dskv_dependencies
    absl::status absl::statusor absl::cord absl::str_format absl::strings
    absl::hash absl::raw_hash_set fmt::fmt "${dskv_XXHASH_LIBRARY}"
    Threads::Threads)

if(NOT TARGET dskv::dskv)
  add_library(dskv::dskv STATIC IMPORTED)
  set_target_properties(dskv::dskv PROPERTIES
    IMPORTED_LOCATION "${_dskv_prefix}/lib/libdskv.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES CXX
    INTERFACE_INCLUDE_DIRECTORIES "${_dskv_prefix}/include"
    # dskv/store.h uses std::string_view and inline variables.
    INTERFACE_COMPILE_FEATURES cxx_std_17
    INTERFACE_LINK_LIBRARIES "${_dskv_dependencies}")
endif()

unset(_dskv_prefix)
unset(_dskv_dependencies)
