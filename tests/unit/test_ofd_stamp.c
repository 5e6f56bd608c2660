/* test_ofd_stamp.c: placeholder (meson skip) until its module lands. */
int main(void)
{
    return 77;
}
