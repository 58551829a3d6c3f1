//! A power cut under SQLite, as an LD_PRELOAD shim for `hallq serve`
//! (compiled by `server_power.rs` at run time with `cc -shared -fPIC`).
//!
//! A SIGKILL loses nothing the process wrote: the kernel keeps its page
//! cache. A power cut loses every write that no fsync made durable. This
//! shim keeps, for the files whose absolute path starts with
//! `$POWERCUT_PREFIX` (the database `…/hall.db` and its `-wal`, not its
//! `-shm`, which a reboot loses anyway), an undo journal in
//! `$POWERCUT_JOURNAL`: before every write, truncation or allocation it
//! appends the bytes and the size the file had, and when a file is created
//! it notes that it did not exist. An fsync or fdatasync of a file that
//! succeeds appends a sync mark for it (its earlier records no longer
//! count: the barrier was reached); an fsync of the folder holding the
//! prefix makes the creations before it durable. The journal is written
//! with plain write(2) before the change it undoes, so it survives the
//! SIGKILL that plays the power cut; the test then undoes, newest first,
//! every change after each file's last sync: the disk as a power cut would
//! leave it, at worst.
//!
//! `POWERCUT_IGNORE_FSYNC=1` makes fsync and fdatasync do nothing (and mark
//! nothing): what `synchronous=OFF` amounts to on disk. The test uses it to
//! show that it can see a lost write.
//!
//! Not modelled: an unlink or rename of a journaled file is taken as
//! durable at once (its records are dropped); SQLite does neither to a
//! database or a WAL in use. Writes through a shared writable mmap are not
//! seen (SQLite maps only the -shm, and the database only with mmap_size,
//! which HallQ leaves at 0). Descriptors at or above `MAX_FD` are refused
//! loudly rather than missed.

#define _GNU_SOURCE
// Fortified builds make open() an inline wrapper that cannot be replaced.
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

// Record kinds; each record is a 32-byte header, the path, then `len` bytes
// of data for `OLD_BYTES`. Must match `server_power.rs`.
#define MAGIC 0x50435554u /* "PCUT" */
#define OLD_BYTES 1       /* offset: where; len: how many old bytes follow */
#define OLD_SIZE 2        /* offset: the size the file had */
#define CREATED 3         /* the file did not exist */
#define SYNCED 4          /* the file's earlier records are durable */
#define DIR_SYNCED 5      /* the folder's creations before it are durable */
#define FORGET 6          /* unlinked or renamed: drop the file's records */

#define MAX_FD 65536
enum { UNTRACKED = 0, TRACKED_FILE = 1, TRACKED_DIR = 2 };

struct header {
    uint32_t magic;
    uint32_t kind;
    uint64_t path_len;
    uint64_t offset;
    uint64_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *prefix;
static char folder[PATH_MAX];
static const char *journal_path;
static int ignore_fsync;
static int journal_fd = -1;
static unsigned char kind_of[MAX_FD];
static char *path_of[MAX_FD];

static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);

static void die(const char *what) {
    char msg[512];
    int n = snprintf(msg, sizeof msg, "power_cut shim: %s (errno %d)\n", what, errno);
    if (n > 0 && real_write) real_write(2, msg, (size_t)n);
    abort();
}

static void *real(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) die(name);
    return f;
}

__attribute__((constructor)) static void init(void) {
    real_openat = real("openat");
    real_pwrite = real("pwrite");
    real_write = real("write");
    real_writev = real("writev");
    real_pwritev = real("pwritev");
    real_ftruncate = real("ftruncate");
    real_fallocate = real("fallocate");
    real_posix_fallocate = real("posix_fallocate");
    real_fsync = real("fsync");
    real_fdatasync = real("fdatasync");
    real_close = real("close");
    real_unlink = real("unlink");
    real_unlinkat = real("unlinkat");
    real_rename = real("rename");
    real_renameat = real("renameat");
    prefix = getenv("POWERCUT_PREFIX");
    journal_path = getenv("POWERCUT_JOURNAL");
    const char *ignore = getenv("POWERCUT_IGNORE_FSYNC");
    ignore_fsync = ignore && strcmp(ignore, "1") == 0;
    if (!prefix || prefix[0] != '/' || !journal_path) {
        prefix = NULL; // not configured: pass everything through
        return;
    }
    snprintf(folder, sizeof folder, "%s", prefix);
    char *slash = strrchr(folder, '/');
    if (slash == folder) slash[1] = '\0';
    else *slash = '\0';
}

// ------------------------------------------------------------ the journal

static void append(uint32_t kind, const char *path, uint64_t offset, const void *data, uint64_t len) {
    if (journal_fd < 0) {
        journal_fd = real_openat(AT_FDCWD, journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (journal_fd < 0) die("cannot open the journal");
    }
    struct header h = {MAGIC, kind, strlen(path), offset, kind == OLD_BYTES ? len : 0};
    struct iovec parts[3] = {{&h, sizeof h}, {(void *)path, h.path_len}, {(void *)data, h.len}};
    size_t total = sizeof h + h.path_len + h.len;
    // One writev: a record is whole unless the process dies inside it, and
    // then the change it undoes was never made.
    ssize_t n = real_writev(journal_fd, parts, h.len ? 3 : 2);
    if (n < 0 || (size_t)n != total) die("short write to the journal");
}

// The bytes [offset, offset + len) and the size of `fd` (the file at
// `path`) before a change that may touch them.
static void keep_old(int fd, const char *path, uint64_t offset, uint64_t len) {
    struct stat st;
    if (fstat(fd, &st) != 0) die("fstat");
    uint64_t size = (uint64_t)st.st_size;
    if (offset < size && len > 0) {
        uint64_t end = offset + len < size ? offset + len : size;
        uint64_t n = end - offset;
        char *old = malloc(n ? n : 1);
        if (!old) die("out of memory");
        uint64_t got = 0;
        while (got < n) {
            ssize_t r = pread(fd, old + got, n - got, (off_t)(offset + got));
            if (r <= 0) die("pread of the old bytes");
            got += (uint64_t)r;
        }
        append(OLD_BYTES, path, offset, old, n);
        free(old);
    }
    append(OLD_SIZE, path, size, NULL, 0);
}

static int tracked(int fd) {
    if (!prefix || fd < 0) return 0;
    if (fd >= MAX_FD) die("descriptor above MAX_FD");
    return kind_of[fd] == TRACKED_FILE;
}

// ------------------------------------------------------------ paths

// `path` as an absolute path (not normalised: SQLite and std pass the
// database's path as they were given it, and it is absolute in the test).
static void absolute(int dirfd, const char *path, char out[PATH_MAX]) {
    if (path[0] == '/') {
        snprintf(out, PATH_MAX, "%s", path);
        return;
    }
    char base[PATH_MAX] = "";
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base)) die("getcwd");
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof base - 1);
        if (n < 0) die("readlink of a directory descriptor");
        base[n] = '\0';
    }
    snprintf(out, PATH_MAX, "%s/%s", base, path);
}

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static int kind_of_path(const char *abs) {
    if (!prefix) return UNTRACKED;
    if (strncmp(abs, prefix, strlen(prefix)) == 0 && !ends_with(abs, "-shm")) return TRACKED_FILE;
    if (strcmp(abs, folder) == 0) return TRACKED_DIR;
    return UNTRACKED;
}

// ------------------------------------------------------------ open and close

static int open_tracking(int dirfd, const char *path, int flags, mode_t mode) {
    char abs[PATH_MAX];
    absolute(dirfd, path, abs);
    int kind = kind_of_path(abs);
    if (kind == UNTRACKED) return real_openat(dirfd, path, flags, mode);
    pthread_mutex_lock(&lock);
    struct stat st;
    int existed = stat(abs, &st) == 0;
    if (kind == TRACKED_FILE && existed && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
        int old = real_openat(AT_FDCWD, abs, O_RDONLY | O_CLOEXEC, 0);
        if (old < 0) die("cannot read a file about to be truncated");
        keep_old(old, abs, 0, (uint64_t)st.st_size);
        real_close(old);
    }
    int fd = real_openat(dirfd, path, flags, mode);
    if (fd >= 0) {
        if (fd >= MAX_FD) die("descriptor above MAX_FD");
        if (kind == TRACKED_FILE && !existed) append(CREATED, abs, 0, NULL, 0);
        free(path_of[fd]);
        path_of[fd] = strdup(abs);
        kind_of[fd] = (unsigned char)kind;
    }
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return fd;
}

static mode_t mode_arg(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_tracking(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_tracking(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode) {
    return open_tracking(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

// The 64-bit names (Rust's std calls them) are the same functions here.
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));
int creat64(const char *path, mode_t mode) __attribute__((alias("creat")));

int close(int fd) {
    if (prefix && fd >= 0 && fd < MAX_FD && kind_of[fd] != UNTRACKED) {
        pthread_mutex_lock(&lock);
        kind_of[fd] = UNTRACKED;
        free(path_of[fd]);
        path_of[fd] = NULL;
        pthread_mutex_unlock(&lock);
    }
    return real_close(fd);
}

// ------------------------------------------------------------ writes

static uint64_t iov_len(const struct iovec *iov, int n) {
    uint64_t len = 0;
    for (int i = 0; i < n; i++) len += iov[i].iov_len;
    return len;
}

// The offset a write(2) without one lands at.
static uint64_t current_offset(int fd) {
    if (fcntl(fd, F_GETFL) & O_APPEND) {
        struct stat st;
        if (fstat(fd, &st) != 0) die("fstat");
        return (uint64_t)st.st_size;
    }
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at < 0) die("lseek");
    return (uint64_t)at;
}

// Runs `change` after keeping what [offset, offset + len) held, all under
// the lock so no other thread's change slips between the two.
#define GUARDED(fd, offset, len, change)                                                                               \
    do {                                                                                                               \
        if (!tracked(fd)) return change;                                                                               \
        pthread_mutex_lock(&lock);                                                                                     \
        keep_old(fd, path_of[fd], (offset), (len));                                                                    \
        __typeof__(change) result = change;                                                                            \
        int saved = errno;                                                                                             \
        pthread_mutex_unlock(&lock);                                                                                   \
        errno = saved;                                                                                                 \
        return result;                                                                                                 \
    } while (0)

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
    GUARDED(fd, (uint64_t)offset, n, real_pwrite(fd, buf, n, offset));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t offset) {
    GUARDED(fd, (uint64_t)offset, n, real_pwrite(fd, buf, n, offset));
}

ssize_t write(int fd, const void *buf, size_t n) {
    GUARDED(fd, current_offset(fd), n, real_write(fd, buf, n));
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    GUARDED(fd, current_offset(fd), iov_len(iov, count), real_writev(fd, iov, count));
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    GUARDED(fd, (uint64_t)offset, iov_len(iov, count), real_pwritev(fd, iov, count, offset));
}

ssize_t pwritev64(int fd, const struct iovec *iov, int count, off64_t offset) {
    GUARDED(fd, (uint64_t)offset, iov_len(iov, count), real_pwritev(fd, iov, count, offset));
}

// A truncation keeps the bytes it cuts off (from the new end on).
int ftruncate(int fd, off_t size) {
    GUARDED(fd, (uint64_t)size, UINT64_MAX - (uint64_t)size, real_ftruncate(fd, size));
}

int ftruncate64(int fd, off64_t size) {
    GUARDED(fd, (uint64_t)size, UINT64_MAX - (uint64_t)size, real_ftruncate(fd, size));
}

int fallocate(int fd, int mode, off_t offset, off_t len) {
    GUARDED(fd, (uint64_t)offset, (uint64_t)len, real_fallocate(fd, mode, offset, len));
}

int fallocate64(int fd, int mode, off64_t offset, off64_t len) {
    GUARDED(fd, (uint64_t)offset, (uint64_t)len, real_fallocate(fd, mode, offset, len));
}

int posix_fallocate(int fd, off_t offset, off_t len) {
    GUARDED(fd, (uint64_t)offset, (uint64_t)len, real_posix_fallocate(fd, offset, len));
}

int posix_fallocate64(int fd, off64_t offset, off64_t len) {
    GUARDED(fd, (uint64_t)offset, (uint64_t)len, real_posix_fallocate(fd, offset, len));
}

// ------------------------------------------------------------ barriers

static int barrier(int fd, int (*sync)(int)) {
    if (!prefix || fd < 0 || fd >= MAX_FD || kind_of[fd] == UNTRACKED) return sync(fd);
    if (ignore_fsync) return 0;
    pthread_mutex_lock(&lock);
    int rc = sync(fd);
    int saved = errno;
    if (rc == 0) append(kind_of[fd] == TRACKED_DIR ? DIR_SYNCED : SYNCED, path_of[fd], 0, NULL, 0);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}

int fsync(int fd) {
    return barrier(fd, real_fsync);
}

int fdatasync(int fd) {
    return barrier(fd, real_fdatasync);
}

// ------------------------------------------------------------ names

static void forget(int dirfd, const char *path) {
    char abs[PATH_MAX];
    absolute(dirfd, path, abs);
    if (kind_of_path(abs) == TRACKED_FILE) append(FORGET, abs, 0, NULL, 0);
}

int unlink(const char *path) {
    if (!prefix) return real_unlink(path);
    pthread_mutex_lock(&lock);
    forget(AT_FDCWD, path);
    int rc = real_unlink(path);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}

int unlinkat(int dirfd, const char *path, int flags) {
    if (!prefix) return real_unlinkat(dirfd, path, flags);
    pthread_mutex_lock(&lock);
    forget(dirfd, path);
    int rc = real_unlinkat(dirfd, path, flags);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}

int rename(const char *from, const char *to) {
    if (!prefix) return real_rename(from, to);
    pthread_mutex_lock(&lock);
    forget(AT_FDCWD, from);
    forget(AT_FDCWD, to);
    int rc = real_rename(from, to);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}

int renameat(int from_dir, const char *from, int to_dir, const char *to) {
    if (!prefix) return real_renameat(from_dir, from, to_dir, to);
    pthread_mutex_lock(&lock);
    forget(from_dir, from);
    forget(to_dir, to);
    int rc = real_renameat(from_dir, from, to_dir, to);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return rc;
}
