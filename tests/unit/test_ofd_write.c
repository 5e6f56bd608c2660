/* test_ofd_write.c: placeholder (meson skip) until its module lands. */
int main(void)
{
    return 77;
}
