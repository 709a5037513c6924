/*
 * static_files.h - the storefront's files, served from memory.
 *
 * Every file under UI_DIR is read once at start (a symlink that leads out
 * of UI_DIR is left out), with its MIME type, a strong ETag from its
 * content and, for text, a gzip copy. A request can only ever name one of
 * those files, so no path, however encoded, reaches anything else.
 */
#ifndef WEB_STATIC_FILES_H
#define WEB_STATIC_FILES_H

#include "rs_http.h"

/* Reads CONTENT_SECURITY_POLICY (exits 2 when it is not one header value)
 * and the files; 0, or -1 (logged) when UI_DIR cannot be read. */
int  static_files_load(const char *root);
void static_files_free(void);
size_t static_files_count(void);
void serve_static(rs_request *req);   /* GET and HEAD of any other path */

#endif
