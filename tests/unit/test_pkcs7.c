/* test_pkcs7.c: placeholder (meson skip) until its module lands. */
int main(void)
{
    return 77;
}
