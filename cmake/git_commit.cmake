# Writes OUT (a header defining S2S_GIT_COMMIT) from `git describe --always --dirty` of
# SRC, at every build, rewriting it only when the text changes: a record names the commit
# the binary was built from, and whether the tree had uncommitted changes (-dirty).
execute_process(COMMAND git -C ${SRC} describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT commit)
  set(commit unknown)
endif()
set(text "#define S2S_GIT_COMMIT \"${commit}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
