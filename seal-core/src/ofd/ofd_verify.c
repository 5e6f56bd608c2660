/* ofd_verify.c: placeholder, written by the next commit. */
extern int sc__ofd_verify_placeholder;
