/* bomiot-release: the publisher's command-line tool. Each verb lives in its
 * own file and is listed once in release_main.c's table. */
#ifndef BL_RELEASE_H
#define BL_RELEASE_H

typedef struct {
    const char *name;     /* "diff" */
    const char *args;     /* "OLD NEW PATCH", for the usage line */
    const char *summary;  /* one line for --help */
    int (*run)(int argc, char **argv); /* argv[0] is the verb; returns the exit code */
} release_verb;

/* Exit codes shared by every verb. */
enum { RELEASE_OK = 0, RELEASE_FAILED = 1, RELEASE_USAGE = 2 };

/* Prints "usage: bomiot-release <verb> <args>" to stderr; returns RELEASE_USAGE. */
int release_usage(const release_verb *verb);

extern const release_verb release_verb_diff;
extern const release_verb release_verb_patch;

#endif
