/* cmd_ofd.c: placeholder. */
#include "sealctl.h"
#include <stdio.h>
int cmd_ofd_new(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "sealctl: ofd new: not built yet\n");
    return EXIT_FAILED;
}
