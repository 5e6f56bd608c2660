/* test_ofd_verify.c: placeholder (meson skip) until its module lands. */
int main(void)
{
    return 77;
}
