/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for bomiot-launcher.exe and the app's bomiot.exe, so the NSIS
 * script can be compiled (and later run under Wine) before the Windows build
 * of the launcher exists. It says who it is and exits 0. */
#include <stdio.h>

int main(int argc, char **argv)
{
    int i;
    printf("bomiot stand-in %s", argv[0]);
    for (i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    return 0;
}
