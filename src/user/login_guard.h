/*
 * login_guard.h - limits on failed logins, per name and per client address.
 *
 * Within LOGIN_FAIL_WINDOW_S seconds (default 60) from a key's first
 * attempt, at most LOGIN_FAILS_PER_NAME (default 10) failed logins are
 * allowed for one name and LOGIN_FAILS_PER_CLIENT (default 100) for one
 * client address; 0 turns a limit off. An attempt is admitted only while
 * the failures so far plus the attempts still being checked stay under
 * the limit, so that a burst of concurrent guesses cannot pass it; an
 * attempt that succeeds is not counted. Refused attempts cost nothing:
 * no password is hashed for them. The counts live in a fixed table of
 * this process's memory (keys hashed with a per-process random seed; the
 * oldest entry of a full set is reused).
 */
#ifndef USER_LOGIN_GUARD_H
#define USER_LOGIN_GUARD_H

#include <stdbool.h>

/* Reads the settings (a bad value stops the service); 0, or -1. */
int      login_guard_init(void);
/* 0 when the attempt may go on (it is then pending until settled), or the
 * seconds after which to try again. */
unsigned login_guard_admit(const char *name, const char *client);
/* Ends an admitted attempt: counts it as a failure, or not. */
void     login_guard_settle(const char *name, const char *client, bool failed);

#endif
