/*
 * login_guard.h - limits on failed logins, per name and per client address.
 *
 * Within LOGIN_FAIL_WINDOW_S seconds (default 60) from a key's first
 * attempt, at most LOGIN_FAILS_PER_NAME (default 10) failed logins are
 * allowed for one name and LOGIN_FAILS_PER_CLIENT (default 100) for one
 * client address; 0 turns a limit off. A login is refused at once (on the
 * I/O thread, no password hashed) when a limit is reached, and checked
 * again on the password thread just before its hash: there the attempts
 * being hashed count too, so that a burst of concurrent guesses cannot
 * pass the limit, while concurrent logins that succeed are never refused
 * (at most one per password thread is being hashed). A login that
 * succeeds is not counted. The counts live in a fixed table in this
 * process's memory (keys hashed with a per-process random seed; a new key
 * takes the oldest entry of a full set).
 */
#ifndef USER_LOGIN_GUARD_H
#define USER_LOGIN_GUARD_H

#include <stdbool.h>

/* Reads the settings (a bad value stops the service); 0, or -1. */
int      login_guard_init(void);
/* 0 when the login may go on to a password thread, or the seconds after
 * which to try again (429). Counts nothing. */
unsigned login_guard_refusal(const char *name, const char *client);
/* On the password thread, before hashing: 0 when the attempt may be
 * checked (it is then pending until settled), or seconds to wait. */
unsigned login_guard_begin(const char *name, const char *client);
/* Ends an admitted attempt: counts it as a failure, or not. */
void     login_guard_settle(const char *name, const char *client, bool failed);

#endif
