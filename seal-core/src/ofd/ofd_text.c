/* ofd_text.c: placeholder, filled by the OFD issue. */
typedef int sc__placeholder_ofd_text;
