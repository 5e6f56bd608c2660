/* pkcs7.c: placeholder, filled by the OFD issue. */
typedef int sc__placeholder_pkcs7;
