#include "dicomkit/uid.h"

#include "sha1.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* Namespace of dicomkit's name-based UUIDs (a fixed random UUID, RFC 4122 4.3). */
static const unsigned char uid_namespace[16] = {0x5c, 0x1f, 0x3e, 0x8a, 0x94, 0x27, 0x4b, 0x61,
                                                0xa0, 0x3d, 0x77, 0x12, 0xe5, 0xc9, 0x08, 0x4f};

int dk_uid_valid(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > DK_UID_MAX)
        return 0;
    size_t component_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            size_t n = i - component_start;
            if (n == 0)
                return 0; /* empty component: leading, trailing or doubled dot */
            if (n > 1 && s[component_start] == '0')
                return 0;
            component_start = i + 1;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* Write the 128-bit big-endian number `v` as decimal into out (at least 40 bytes). */
static void u128_to_decimal(const unsigned char v[16], char *out)
{
    unsigned char n[16];
    char digits[40];
    size_t count = 0;
    memcpy(n, v, 16);
    for (;;) {
        unsigned rem = 0;
        int nonzero = 0;
        for (int i = 0; i < 16; i++) {
            unsigned cur = rem * 256 + n[i];
            n[i] = (unsigned char)(cur / 10);
            rem = cur % 10;
            nonzero |= n[i];
        }
        digits[count++] = (char)('0' + rem);
        if (!nonzero)
            break;
    }
    for (size_t i = 0; i < count; i++)
        out[i] = digits[count - 1 - i];
    out[count] = '\0';
}

static int random_uuid(unsigned char uuid[16], dk_error *err)
{
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(uuid + got, 16 - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return dk_error_set(err, DK_EIO, "uid: no randomness from the system: %s",
                                strerror(errno));
        }
        got += (size_t)n;
    }
    uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x40); /* version 4 */
    uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    return DK_OK;
}

static void name_uuid(unsigned char uuid[16], const char *name, size_t len)
{
    dk_sha1 ctx;
    unsigned char digest[20];
    dk_sha1_init(&ctx);
    dk_sha1_update(&ctx, uid_namespace, sizeof uid_namespace);
    dk_sha1_update(&ctx, name, len);
    dk_sha1_final(&ctx, digest);
    memcpy(uuid, digest, 16);
    uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x50); /* version 5 */
    uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80);
}

int dk_uid_generate(char out[DK_UID_MAX + 1], const char *root, const char *from, size_t from_len,
                    dk_error *err)
{
    unsigned char uuid[16];
    char decimal[40];
    size_t root_len = root ? strlen(root) : 0;

    if (root_len > 0) {
        if (!dk_uid_valid(root, root_len))
            return dk_error_set(err, DK_EINVAL,
                                "uid root '%.64s' is not a valid UID (digits and dots, no empty "
                                "component, no leading zero, at most 64 characters)",
                                root);
        if (root_len > DK_UID_MAX - 1 - DK_UID_MIN_SUFFIX_DIGITS)
            return dk_error_set(err, DK_EINVAL,
                                "uid root '%s' is %zu characters: at most %d leaves room for %d "
                                "unique digits within 64",
                                root, root_len, DK_UID_MAX - 1 - DK_UID_MIN_SUFFIX_DIGITS,
                                DK_UID_MIN_SUFFIX_DIGITS);
    }
    if (from != NULL) {
        name_uuid(uuid, from, from_len);
    } else {
        int rc = random_uuid(uuid, err);
        if (rc != DK_OK)
            return rc;
    }
    u128_to_decimal(uuid, decimal);

    if (root_len == 0) {
        memcpy(out, "2.25.", 5);
        strcpy(out + 5, decimal); /* at most 39 digits: 44 characters in all */
        return DK_OK;
    }
    /* Keep the low-order digits that fit; skip zeros left at the front so the
     * component has no leading zero. */
    size_t room = DK_UID_MAX - root_len - 1;
    size_t dlen = strlen(decimal);
    const char *digits = dlen > room ? decimal + (dlen - room) : decimal;
    while (digits[0] == '0' && digits[1] != '\0')
        digits++;
    memcpy(out, root, root_len);
    out[root_len] = '.';
    strcpy(out + root_len + 1, digits);
    return DK_OK;
}
