/* Starting the app: as a supervised child (the launcher waits, passes signals
 * on and reports how the child ended, which later lets it detect a crash on
 * first run), or by replacing the launcher process (exec mode). */
#ifndef BL_SUPERVISE_H
#define BL_SUPERVISE_H

#include "error.h"

typedef struct {
    int exit_code;   /* valid when term_signal == 0 */
    int term_signal; /* the signal that killed the app, 0 if it exited */
} bl_app_status;

/* Spawns app (argv[0] should be its path; argv NULL-terminated) with the
 * launcher's working directory, environment and standard streams, passes
 * bl_plat_forwarded_signals() on to it, and waits for it to end. */
int bl_supervise_run(const char *app, char *const argv[], bl_app_status *status, bl_error *err);

/* Starts app detached and returns at once (exec mode where the OS has no exec). */
int bl_supervise_spawn_detached(const char *app, char *const argv[], bl_error *err);

#endif
