# Writes a section-1 man page (gzip -9n) for a program from its own --help, at install time:
#   cmake -DPROGRAM=<path of the built program> -DNAME=<installed name> -DVERSION=<version>
#         -DSUMMARY="<one line>" -DFILES="<file>;<file>" [-DREADME="<what README.md is>"]
#         -DOUT=<dir> -P manpage.cmake
# The help text is the one source of the options, so the page never disagrees with the program.
# Used by packaging/CMakeLists.txt (install(CODE)); QT_QPA_PLATFORM=offscreen lets the desktop
# client print its help without a display.

foreach(var PROGRAM NAME VERSION SUMMARY OUT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "manpage.cmake: ${var} is not set")
    endif()
endforeach()

set(ENV{QT_QPA_PLATFORM} offscreen)
execute_process(COMMAND "${PROGRAM}" --help
                OUTPUT_VARIABLE help RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR help STREQUAL "")
    message(FATAL_ERROR "manpage.cmake: ${PROGRAM} --help failed (${rc})")
endif()

# The usage line names the program as it was called (a build path here): use the installed name.
string(REGEX REPLACE "Usage: [^ \n]+" "Usage: ${NAME}" help "${help}")

# roff: backslashes first, then minus signs, then lines that would start a request.
string(REPLACE "\\" "\\e" help "${help}")
string(REPLACE "-" "\\-" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")

string(TOUPPER "${NAME}" title)
string(REPLACE "-" "\\-" summary "${SUMMARY}")
set(page ".TH ${title} 1 \"\" \"instantchat ${VERSION}\" \"User Commands\"
.SH NAME
${NAME} \\- ${summary}
.SH SYNOPSIS
.B ${NAME}
[\\fIOPTIONS\\fR]
.SH DESCRIPTION
The text below is the program's own \\fB\\-\\-help\\fR.
.PP
.nf
${help}
.fi
")
if(FILES)
    string(APPEND page ".SH FILES\n")
    foreach(file ${FILES})
        string(APPEND page ".TP\n${file}\n")
    endforeach()
endif()
# README: what the package's /usr/share/doc/<name>/README.md is; the packages that ship one say.
if(README)
    string(APPEND page ".SH SEE ALSO
/usr/share/doc/${NAME}/README.md (${README})
")
endif()

file(MAKE_DIRECTORY "${OUT}")
file(WRITE "${OUT}/${NAME}.1" "${page}")
execute_process(COMMAND gzip -9nf "${OUT}/${NAME}.1" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: gzip failed")
endif()
