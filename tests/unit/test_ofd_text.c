/* test_ofd_text.c: placeholder (meson skip) until its module lands. */
int main(void)
{
    return 77;
}
