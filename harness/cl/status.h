/* One error path for the whole harness: names for every OpenCL and CLBlast status, and
 * CHECK macros that report file, line, call and name. Library code returns status (an
 * int: 0 ok, negative error); only main()s exit. */
#ifndef S2S_STATUS_H
#define S2S_STATUS_H

#include <CL/cl.h>
#include <clblast_c.h>

/* "CL_OUT_OF_RESOURCES", "CLBlastInsufficientMemoryTemp", ... or "unknown status". */
const char *s2s_cl_status_name(cl_int status);
const char *s2s_clblast_status_name(CLBlastStatusCode status);

/* Prints "s2sbench: file:line: call failed: NAME (code)" to stderr. */
void s2s_report_cl(const char *file, int line, const char *call, cl_int status);
void s2s_report_clblast(const char *file, int line, const char *call, CLBlastStatusCode status);

/* In functions returning int: on failure, report and return -1. */
#define S2S_CL_CHECK(call)                                                                  \
  do {                                                                                      \
    cl_int s2s_st_ = (call);                                                                \
    if (s2s_st_ != CL_SUCCESS) {                                                            \
      s2s_report_cl(__FILE__, __LINE__, #call, s2s_st_);                                    \
      return -1;                                                                            \
    }                                                                                       \
  } while (0)
#define S2S_CLBLAST_CHECK(call)                                                             \
  do {                                                                                      \
    CLBlastStatusCode s2s_st_ = (call);                                                     \
    if (s2s_st_ != CLBlastSuccess) {                                                        \
      s2s_report_clblast(__FILE__, __LINE__, #call, s2s_st_);                               \
      return -1;                                                                            \
    }                                                                                       \
  } while (0)
/* Propagate a harness status. */
#define S2S_TRY(expr)                                                                       \
  do {                                                                                      \
    if ((expr) != 0) return -1;                                                             \
  } while (0)

#endif
