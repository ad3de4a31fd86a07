/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: sdk/c/bomiot_launcher.h reads the launcher's --status and
 * --check output with a JSON reader of its own. The launcher writes that
 * output, but the reader lives in someone else's app, reading whatever a
 * launcher of another version (or a broken one) prints: it must never read
 * past the text or crash, and every field it fills must be a terminated
 * string within its buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BOMIOT_LAUNCHER_IMPLEMENTATION
#include "../../sdk/c/bomiot_launcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(const bomiot_event *event, void *ctx)
{
    (void)ctx;
    if (strlen(event->event) >= sizeof event->event || strlen(event->version) >= sizeof event->version ||
        strlen(event->error) >= sizeof event->error)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bomiot_status_info st;
    bomiot__check_state check;
    char *text = (char *)malloc(size + 1), *line;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    memset(&st, 0, sizeof st);
    bomiot__skip(text, 0);
    bomiot__read_status(text, &st);
    if (strlen(st.current) >= sizeof st.current || strlen(st.staged) >= sizeof st.staged ||
        strlen(st.running) >= sizeof st.running || strlen(st.trial) >= sizeof st.trial ||
        strlen(st.check_stage) >= sizeof st.check_stage)
        __builtin_trap();

    memset(&check, 0, sizeof check);
    check.progress = on_event;
    for (line = text; line; ) { /* as --check --json's lines */
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        bomiot__check_line(line, &check);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return 0;
}
