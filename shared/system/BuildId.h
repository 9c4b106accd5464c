#pragma once
// The build id, "<version>-<configure time>": the `bN` version clients compare, the version a
// server registers with, and the cache-busting `?v=` of the web UI's static files. It lives in
// one source file that CMake writes (BuildId.cpp.in), not in a compile flag, so a new id
// recompiles that one file and every other object stays in the compiler cache.

namespace ic::sys {

const char *buildId();

} // namespace ic::sys
