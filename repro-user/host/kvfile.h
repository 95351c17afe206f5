/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvfile.h - read one "key: value" line of the plain-text files a run
 * leaves behind (run.txt, verdict.txt, guest.log's "gupr-meta: " lines),
 * make text that came from the guest safe to show and to store, and close
 * the files the host tools write without leaving half of one behind.
 *
 * Everything in these files may quote the guest, which is untrusted: a
 * deliberately corrupted kernel can print terminal escapes, bytes that are
 * not UTF-8 and lines of any length.  text_safe() is the one place that
 * turns such text into printable, valid UTF-8 of bounded length.
 */
#ifndef GUPR_KVFILE_H
#define GUPR_KVFILE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest line kv_get() looks at (longer lines are skipped) and the most
 * any host parser keeps of one line. */
#define KV_LINE_MAX	65536

/**
 * utf8_len() - length of the valid UTF-8 sequence at @s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF)
 * @s: the bytes.
 * @n: bytes available at @s.
 * Return: 1..4, or 0 if @s does not start a complete valid sequence.
 */
static inline size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/**
 * utf8_fit() - bytes of @s to print so that at most @max bytes are shown
 * and no UTF-8 sequence is cut (for "%.*s" on text_safe() output)
 * @s: valid UTF-8.
 * @max: most bytes.
 * Return: the byte count, <= @max and <= strlen(@s).
 */
static inline size_t utf8_fit(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n < max)
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/**
 * text_safe() - copy untrusted text for a terminal or a JSON string
 * @dst: output, always NUL-terminated.
 * @len: size of @dst in bytes (at least 4).
 * @src: input, up to its NUL or @n bytes.
 * @n: most bytes of @src to read.
 *
 * Control characters (C0 including TAB and ESC, DEL, and the C1 controls
 * U+0080..U+009F) and every byte that is not part of valid UTF-8 become
 * "\xNN" (lower-case hex); everything else is copied.  A backslash is
 * copied as is, so text that is already escaped stays the same.  If the
 * result does not fit in @len - 1 bytes it is cut on a character boundary
 * and ends in "...".
 * Return: @dst.
 */
static inline char *text_safe(char *dst, size_t len, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, keep = 0;

	if (len < 4) {
		if (len)
			dst[0] = '\0';
		return dst;
	}
	while (i < n && s[i]) {
		char piece[5];
		size_t avail = 0, w, pl;

		while (avail < 4 && i + avail < n && s[i + avail])
			avail++;
		w = utf8_len(s + i, avail);

		if (w == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			w = 0;
		if (w == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			w = 0;		/* C1 control as UTF-8: escape both bytes */
		if (w) {
			memcpy(piece, s + i, w);
			pl = w;
			i += w;
		} else {
			snprintf(piece, sizeof(piece), "\\x%02x", s[i]);
			pl = 4;
			i++;
		}
		if (o + pl > len - 1) {
			/* does not fit: cut back to leave room for "..." */
			o = keep;
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, piece, pl);
		o += pl;
		if (o <= len - 4)
			keep = o;
	}
	dst[o] = '\0';
	return dst;
}

/**
 * read_bounded() - one line of @f into @buf, at most @size - 1 bytes kept
 * @f: the stream.
 * @buf: the line with its newline (if it had one and it fit), NUL-ended.
 * @size: size of @buf; the rest of a longer line is read and dropped, so a
 *	guest that never prints a newline costs no memory.
 * Return: 1 a whole line, 2 a line cut to fit, 0 end of file.
 */
static inline int read_bounded(FILE *f, char *buf, size_t size)
{
	char skip[4096];
	size_t n;

	if (!fgets(buf, (int)size, f))
		return 0;
	n = strlen(buf);
	if ((n && buf[n - 1] == '\n') || n + 1 < size || feof(f))
		return 1;
	while (fgets(skip, sizeof(skip), f))
		if (strchr(skip, '\n'))
			break;
	return 2;
}

/**
 * kv_get() - the value of the first line of @f starting with @key
 * @f: the stream, read to the line found or to its end.
 * @key: the line prefix, e.g. "kernel: ".
 * @out: the value, without the line end, through text_safe() into @len
 *	bytes (so valid UTF-8 without control characters).
 * @len: size of @out in bytes.
 * Return: 1 if found, 0 if not (then @out is untouched).
 */
static inline int kv_get(FILE *f, const char *key, char *out, size_t len)
{
	char *line = malloc(KV_LINE_MAX + 1);
	size_t klen = strlen(key);
	int found = 0, got;

	while (line && (got = read_bounded(f, line, KV_LINE_MAX + 1)) != 0) {
		if (got != 1 || strncmp(line, key, klen))
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		text_safe(out, len, line + klen, KV_LINE_MAX);
		found = 1;
		break;
	}
	free(line);
	return found;
}

/**
 * kv_read() - kv_get() on the file at @path
 * @path: the file; a missing file or key leaves @out untouched.
 * @key: the line prefix.
 * @out: the value (see kv_get()).
 * @len: size of @out in bytes.
 */
static inline void kv_read(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		return;
	kv_get(f, key, out, len);
	fclose(f);
}

/**
 * out_close() - close @f, written as @path, and remove @path when any
 * write to it failed: a full disk leaves no empty or partial result that a
 * later tool could take for a whole one
 * @f: the stream, fopen(@path, "w").
 * @path: its name.
 * @ok: 0 when the caller saw a write fail already (a short fwrite()).
 * Return: 0 when the whole file was written, else -1 with errno set (to
 *	EIO when only @ok or the stream's error flag said so).
 */
static inline int out_close(FILE *f, const char *path, int ok)
{
	int err = EIO;

	if (!ok || ferror(f)) {
		ok = 0;
		if (errno)
			err = errno;
	}
	if (fclose(f) && ok) {
		ok = 0;
		err = errno;
	}
	if (ok)
		return 0;
	unlink(path);
	errno = err;
	return -1;
}

#endif
