/* main.c - the vrgen command: dispatches to one file per subcommand. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("vrgen %s\n", VRGEN_VERSION);
    return 0;
}
