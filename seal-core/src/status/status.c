/* status.c: placeholder, written by the next commit. */
extern int sc__status_placeholder;
