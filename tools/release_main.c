/* bomiot-release: dispatches to a verb. A new verb is a new file defining a
 * release_verb and one line in the table below. */
#include <stdio.h>
#include <string.h>

#include "release.h"

static const release_verb *const verbs[] = {
    &release_verb_diff,
    &release_verb_patch,
};

#define VERB_COUNT (sizeof verbs / sizeof verbs[0])

int release_usage(const release_verb *verb)
{
    fprintf(stderr, "usage: bomiot-release %s %s\n", verb->name, verb->args);
    return RELEASE_USAGE;
}

static void help(FILE *out)
{
    size_t i;

    fprintf(out, "usage: bomiot-release <command> [args]\n\ncommands:\n");
    for (i = 0; i < VERB_COUNT; i++)
        fprintf(out, "  %-6s %-22s %s\n", verbs[i]->name, verbs[i]->args, verbs[i]->summary);
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        help(stderr);
        return RELEASE_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help(stdout);
        return RELEASE_OK;
    }
    for (i = 0; i < VERB_COUNT; i++)
        if (strcmp(argv[1], verbs[i]->name) == 0)
            return verbs[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "bomiot-release: unknown command '%s'\n", argv[1]);
    help(stderr);
    return RELEASE_USAGE;
}
