/* ofd_stamp.c: placeholder, written by the next commit. */
extern int sc__ofd_stamp_placeholder;
