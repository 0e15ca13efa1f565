/* sys/sysctl.h for the stand-in builds (standin/freebsd.h declares what
 * the backend uses); glibc has none. */
