/*
 * File: querysafe/querysafe.h
 *
 * The C API of querysafe, for ORMs written in other languages (Python, Go,
 * Rust, Ruby, C#...). It follows libgit2's conventions:
 *
 *   - functions are querysafe_<module>_<verb>; handles are opaque;
 *   - out-parameters come first; every fallible function returns an int,
 *     0 (QUERYSAFE_OK) on success or a negative querysafe_status;
 *   - on failure, the querysafe_error the caller passed (it may be NULL) is
 *     filled with the diagnostics: category, stable code, message, MongoDB
 *     server code and the byte span in the input; release it with
 *     querysafe_error_clear();
 *   - every function says who owns what it returns; handles are freed with
 *     their module's _free function, strings with querysafe_string_free();
 *   - there is no global state: no init call, no thread-local "last error".
 *
 * Nothing here throws, aborts or exits; bad input of any kind is a
 * QUERYSAFE_EREJECTED with diagnostics.
 *
 * Thread safety: a schema, a compiled query, a translation, an encryptor and a
 * client are immutable once made and may be shared by any number of threads.
 * A builder, a result and an error belong to one thread at a time.
 *
 * Example:
 *
 *   querysafe_schema *schema = NULL;
 *   querysafe_query *query = NULL;
 *   querysafe_translation *t = NULL;
 *   querysafe_error err = QUERYSAFE_ERROR_INIT;
 *
 *   if (querysafe_schema_from_json(&schema, json, strlen(json), NULL, &err) ||
 *       querysafe_query_compile(&query, schema,
 *           "Patient.objects.get(patient_record__ssn=$ssn)", -1, NULL, &err)) {
 *     fprintf(stderr, "%s\n", err.formatted);
 *   } else {
 *     bson_t *params = BCON_NEW("ssn", BCON_UTF8("987-65-4320"));
 *     if (querysafe_query_translate(&t, query, params, &err) == 0) {
 *       char *json_text = NULL;
 *       querysafe_translation_to_json(&json_text, t);
 *       puts(json_text);
 *       querysafe_string_free(json_text);
 *     }
 *     bson_destroy(params);
 *   }
 *   querysafe_translation_free(t);
 *   querysafe_query_free(query);
 *   querysafe_schema_free(schema);
 *   querysafe_error_clear(&err);
 */
#ifndef QUERYSAFE_QUERYSAFE_H_
#define QUERYSAFE_QUERYSAFE_H_

#include <bson/bson.h>
#include <stddef.h>
#include <stdint.h>

#include "querysafe/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status, errors, strings ------------------------------------------ */

typedef enum querysafe_status {
  QUERYSAFE_OK = 0,
  /* The input was refused (query, schema, value, key, server reply): the
   * error's diagnostics say why. */
  QUERYSAFE_EREJECTED = -1,
  /* A required argument was NULL, or an options struct has an unknown
   * version: a programming error in the caller. */
  QUERYSAFE_EINVALID = -2,
  /* Memory ran out. */
  QUERYSAFE_ENOMEM = -3,
  /* Not an error: a result has no more rows. */
  QUERYSAFE_ITEROVER = -31,
  /* A bug in querysafe; the message says where. Please report it. */
  QUERYSAFE_EINTERNAL = -99
} querysafe_status;

/* Django's exception names, so that an ORM can raise the exception its users
 * already expect. querysafe_category_name() spells them. */
typedef enum querysafe_category {
  QUERYSAFE_SYNTAX_ERROR = 0,
  QUERYSAFE_FIELD_ERROR = 1,
  QUERYSAFE_VALIDATION_ERROR = 2,
  QUERYSAFE_NOT_SUPPORTED_ERROR = 3,
  QUERYSAFE_IMPROPERLY_CONFIGURED = 4,
  QUERYSAFE_DATABASE_ERROR = 5,
  QUERYSAFE_DOES_NOT_EXIST = 6,
  QUERYSAFE_MULTIPLE_OBJECTS_RETURNED = 7,
  /* Not a category: makes every int a valid value of the type (as in Vulkan's
   * headers), so that a caller passing any int is defined behaviour. */
  QUERYSAFE_CATEGORY_MAX_ENUM_ = 0x7FFFFFFF
} querysafe_category;

/* One reason an input was refused. Strings are NUL-terminated UTF-8. */
typedef struct querysafe_diagnostic {
  querysafe_category category;
  /* Stable identifier for programs and tests, e.g. "qe.order_by_encrypted". */
  const char *code;
  /* For humans; MongoDB's or django-mongodb-backend's documented text where
   * one exists. */
  const char *message;
  /* The MongoDB error code the server (or its query analysis) raises for the
   * same problem; 0 if none. */
  int32_t server_code;
  /* Byte range [span_begin, span_end) in the input the diagnostic is about
   * (the query text, the schema JSON), and the 1-based line and column (in
   * characters) of span_begin. */
  uint32_t span_begin;
  uint32_t span_end;
  uint32_t line;
  uint32_t column;
  /* Where in a structured input, e.g. "models.Patient.fields.ssn"; "" for
   * query text, whose span says where. */
  const char *location;
} querysafe_diagnostic;

/* Filled by a failing function; left untouched by a succeeding one. Start
 * from QUERYSAFE_ERROR_INIT (or zeroes); querysafe_error_clear() releases
 * everything and makes it reusable. Passing an error that already holds a
 * failure replaces it. */
typedef struct querysafe_error {
  int status; /* the querysafe_status the function returned */
  size_t count;
  const querysafe_diagnostic *diagnostics; /* count entries */
  /* Every diagnostic, compiler-style with the offending line and a caret
   * under the span, one after the other. */
  const char *formatted;
  void *internal_; /* owned storage; do not touch */
} querysafe_error;

#define QUERYSAFE_ERROR_INIT {0, 0, NULL, NULL, NULL}

/* Releases what `error` holds and zeroes it. Accepts NULL and a cleared
 * error. */
QUERYSAFE_EXPORT void querysafe_error_clear(querysafe_error *error);

/* "SyntaxError", "FieldError", ...; static storage. "" for an unknown value. */
QUERYSAFE_EXPORT const char *querysafe_category_name(querysafe_category category);

/* Frees a string querysafe returned through a `char **out`. Accepts NULL. */
QUERYSAFE_EXPORT void querysafe_string_free(char *string);

/* The library's version, "MAJOR.MINOR.PATCH"; static storage. */
QUERYSAFE_EXPORT const char *querysafe_version(void);

/* ---- Capabilities ------------------------------------------------------- */

/* What the linked libmongocrypt can encrypt (every query type can be checked
 * and translated whatever is linked). Bits of querysafe_capabilities(), as
 * libgit2's git_libgit2_features(). */
typedef enum querysafe_capability {
  /* "range" finds: libmongocrypt 1.10+, MongoDB 8.0+. */
  QUERYSAFE_CAPABILITY_RANGE = 1 << 0,
  /* prefixPreview, suffixPreview, substringPreview: libmongocrypt 1.15 to 1.20
   * (1.21 removed them), MongoDB 8.2 (and 9.0 for collections created with
   * them). */
  QUERYSAFE_CAPABILITY_TEXT_PREVIEW = 1 << 1,
  /* prefix and suffix: libmongocrypt 1.19+, MongoDB 9.0+. */
  QUERYSAFE_CAPABILITY_TEXT = 1 << 2,
  /* substring: libmongocrypt 1.20+, MongoDB 9.0+. */
  QUERYSAFE_CAPABILITY_TEXT_SUBSTRING = 1 << 3
} querysafe_capability;

/* The querysafe_capability bits this build has. */
QUERYSAFE_EXPORT int querysafe_capabilities(void);

/* The versions of the libmongoc and libmongocrypt loaded at run time; static
 * storage. */
QUERYSAFE_EXPORT const char *querysafe_libmongoc_version(void);
QUERYSAFE_EXPORT const char *querysafe_libmongocrypt_version(void);

/* ---- Schemas ------------------------------------------------------------ */

typedef struct querysafe_schema querysafe_schema;

#define QUERYSAFE_SCHEMA_OPTIONS_VERSION 1

typedef struct querysafe_schema_options {
  unsigned int version; /* QUERYSAFE_SCHEMA_OPTIONS_VERSION */
  /* The MongoDB version the collections live on (default 8.0): the
   * encryptedFields rules differ between 7.0, 8.0 and 8.2. */
  int server_major;
  int server_minor;
} querysafe_schema_options;

#define QUERYSAFE_SCHEMA_OPTIONS_INIT {QUERYSAFE_SCHEMA_OPTIONS_VERSION, 8, 0}

/* Loads and checks a schema (lib/schema/README.md describes the format).
 * `json` need not be NUL-terminated; `length` < 0 means it is and its length
 * is strlen(json). `options` may be NULL (defaults).
 * On success *out is a new schema the caller frees with querysafe_schema_free();
 * on failure *out is NULL and `error` holds the diagnostics (spans into
 * `json`). */
QUERYSAFE_EXPORT int querysafe_schema_from_json(querysafe_schema **out, const char *json,
                                                ptrdiff_t length,
                                                const querysafe_schema_options *options,
                                                querysafe_error *error);

/* The encryptedFields of every collection, as django-mongodb-backend's
 * showencryptedfieldsmap prints them. *out is a new string (free with
 * querysafe_string_free). */
QUERYSAFE_EXPORT int querysafe_schema_encrypted_fields_map(char **out,
                                                           const querysafe_schema *schema,
                                                           querysafe_error *error);

/* Accepts NULL. Queries compiled from the schema keep what they need alive:
 * the schema may be freed before them. */
QUERYSAFE_EXPORT void querysafe_schema_free(querysafe_schema *schema);

/* ---- Compiling queries -------------------------------------------------- */

typedef struct querysafe_query querysafe_query;

/* 2 added time_zone; a version-1 struct (without it) is still accepted. */
#define QUERYSAFE_COMPILE_OPTIONS_VERSION 2

typedef struct querysafe_compile_options {
  unsigned int version; /* QUERYSAFE_COMPILE_OPTIONS_VERSION */
  /* The MongoDB version the query will run on (default 8.0): it decides which
   * QE query types exist. */
  int server_major;
  int server_minor;
  /* Non-zero: refuse, at compile time, values this build's libmongocrypt
   * cannot encrypt (set it when the query will be explained or run). */
  int require_encryptable;
  /* Limits on the query text (the defaults are safe for untrusted input). */
  uint32_t max_depth;
  uint32_t max_input_bytes;
  /* Django's TIME_ZONE (USE_TZ=True), an IANA name such as "America/Chicago";
   * NULL: "UTC". Transforms on a DateTimeField (__hour, __date, __year...)
   * and dates()/datetimes() on one convert to it first, and naive datetimes
   * compared with a DateTimeField are local time in it. An unknown name is an
   * ImproperlyConfigured diagnostic (QUERYSAFE_EREJECTED). Version 2. */
  const char *time_zone;
} querysafe_compile_options;

#define QUERYSAFE_COMPILE_OPTIONS_INIT \
  {QUERYSAFE_COMPILE_OPTIONS_VERSION, 8, 0, 0, 200, 1u << 20, NULL}

/* Compiles query text (the QuerySet language of README.md) against `schema`:
 * parsed, every field resolved, every value coerced and every lookup checked
 * against the QE rules and QuerySet limitations. `length` < 0: `text` is
 * NUL-terminated. `options` may be NULL.
 * On success *out is a new query (free with querysafe_query_free); on
 * failure *out is NULL and `error` holds the diagnostics (spans into `text`). */
QUERYSAFE_EXPORT int querysafe_query_compile(querysafe_query **out, const querysafe_schema *schema,
                                             const char *text, ptrdiff_t length,
                                             const querysafe_compile_options *options,
                                             querysafe_error *error);

/* The text the query was compiled from (for a built query, the generated
 * text); borrowed, valid as long as `query`. */
QUERYSAFE_EXPORT const char *querysafe_query_text(const querysafe_query *query);

/* What a `$name` parameter expects, for ORMs that bind values by type. */
typedef struct querysafe_param_info {
  const char *name;          /* without the '$' */
  const char *expected_type; /* the BSON type the value becomes: "long"... */
  int sequence;              /* non-zero: a list (`in`, `range`) */
  int encrypted;             /* non-zero: the value will be encrypted */
} querysafe_param_info;

/* How many parameters the query has, and the `index`th (0-based) of them.
 * The strings are borrowed, valid as long as `query`. */
QUERYSAFE_EXPORT size_t querysafe_query_param_count(const querysafe_query *query);
QUERYSAFE_EXPORT int querysafe_query_param(querysafe_param_info *out, const querysafe_query *query,
                                           size_t index);

/* Accepts NULL. Translations made from the query do not depend on it. */
QUERYSAFE_EXPORT void querysafe_query_free(querysafe_query *query);

/* ---- Building queries from calls ---------------------------------------- */

/* For ORMs that hold a query as calls rather than text: every value becomes a
 * bound parameter, and every lookup key is checked against the lookup-key
 * grammar before it enters the generated text, so nothing an application
 * passes can change the query's structure. */
typedef struct querysafe_builder querysafe_builder;

/* *out is a new builder for `model` (free with querysafe_builder_free). */
QUERYSAFE_EXPORT int querysafe_builder_new(querysafe_builder **out, const char *model);

/* filter(lookup_key=value) and exclude(lookup_key=value); `value` is copied.
 * An invalid key is reported by querysafe_builder_compile, with the rest. */
QUERYSAFE_EXPORT int querysafe_builder_filter(querysafe_builder *builder, const char *lookup_key,
                                              const bson_value_t *value);
QUERYSAFE_EXPORT int querysafe_builder_exclude(querysafe_builder *builder, const char *lookup_key,
                                               const bson_value_t *value);
/* order_by(fields[0], ..., fields[count - 1]); "-name" sorts descending. */
QUERYSAFE_EXPORT int querysafe_builder_order_by(querysafe_builder *builder,
                                                const char *const *fields, size_t count);
/* [offset:offset + limit]; limit < 0 means no upper bound. */
QUERYSAFE_EXPORT int querysafe_builder_slice(querysafe_builder *builder, int64_t offset,
                                             int64_t limit);
/* A final method without arguments: "get", "count", "exists", "first",
 * "last" or "delete". */
QUERYSAFE_EXPORT int querysafe_builder_terminal(querysafe_builder *builder, const char *method);

/* The text built so far ($p0, $p1... for the values): a new string (free with
 * querysafe_string_free). */
QUERYSAFE_EXPORT int querysafe_builder_text(char **out, const querysafe_builder *builder);
/* The values, {p0: ..., p1: ...}: borrowed, valid until the builder changes
 * or is freed. Pass them to querysafe_query_translate. */
QUERYSAFE_EXPORT const bson_t *querysafe_builder_params(const querysafe_builder *builder);

/* Compiles the built query (see querysafe_query_compile); diagnostics' spans
 * point into the generated text. */
QUERYSAFE_EXPORT int querysafe_builder_compile(querysafe_query **out,
                                               const querysafe_builder *builder,
                                               const querysafe_schema *schema,
                                               const querysafe_compile_options *options,
                                               querysafe_error *error);

/* Accepts NULL. */
QUERYSAFE_EXPORT void querysafe_builder_free(querysafe_builder *builder);

/* ---- Translating -------------------------------------------------------- */

/* A MongoDB command: database, collection, and the command document, with a
 * {"$encrypt": {...}} placeholder wherever an encrypted value goes until it
 * is explained (querysafe_encryptor_explain). */
typedef struct querysafe_translation querysafe_translation;

/* Binds `params` ({name: value}; NULL or empty for a query without
 * parameters) and lowers the query to its command. Each value is coerced to
 * its field's type and checked, so a bad value is a QUERYSAFE_EREJECTED here.
 * On success *out is a new translation (free with querysafe_translation_free). */
QUERYSAFE_EXPORT int querysafe_query_translate(querysafe_translation **out,
                                               const querysafe_query *query, const bson_t *params,
                                               querysafe_error *error);

/* Compile + translate in one call, keeping nothing compiled: for a text
 * translated once. `params` and `options` may be NULL. */
QUERYSAFE_EXPORT int querysafe_translate(querysafe_translation **out,
                                         const querysafe_schema *schema, const char *text,
                                         ptrdiff_t length, const bson_t *params,
                                         const querysafe_compile_options *options,
                                         querysafe_error *error);

/* Borrowed; valid as long as `translation`. */
QUERYSAFE_EXPORT const char *querysafe_translation_database(
    const querysafe_translation *translation);
QUERYSAFE_EXPORT const char *querysafe_translation_collection(
    const querysafe_translation *translation);
/* "find", "aggregate", "count", "update" or "delete". */
QUERYSAFE_EXPORT const char *querysafe_translation_command_name(
    const querysafe_translation *translation);
QUERYSAFE_EXPORT const bson_t *querysafe_translation_command(
    const querysafe_translation *translation);
/* How many values must still be encrypted before the command can be sent. */
QUERYSAFE_EXPORT size_t
querysafe_translation_encryption_count(const querysafe_translation *translation);
/* {"database", "collection", "command"} as canonical Extended JSON: a new
 * string (free with querysafe_string_free). */
QUERYSAFE_EXPORT int querysafe_translation_to_json(char **out,
                                                   const querysafe_translation *translation);

/* Accepts NULL. */
QUERYSAFE_EXPORT void querysafe_translation_free(querysafe_translation *translation);

/* ---- Encrypting (explain) ----------------------------------------------- */

typedef struct querysafe_encryptor querysafe_encryptor;

/* An encryptor with its data keys from a key vault file (Extended JSON key
 * documents, as mongoexport writes a key vault collection) wrapped by a local
 * master key: 96 bytes given as base64 text, or "@FILE" naming a file that
 * holds them (base64 or raw). Keys wrapped by a cloud KMS cannot be used
 * offline; that is a diagnostic. *out: free with querysafe_encryptor_free. */
QUERYSAFE_EXPORT int querysafe_encryptor_open_offline(querysafe_encryptor **out,
                                                      const char *key_vault_path,
                                                      const char *local_master_key,
                                                      querysafe_error *error);
/* The same with the key documents given as text (`length` < 0: NUL-terminated). */
QUERYSAFE_EXPORT int querysafe_encryptor_open_offline_from_text(querysafe_encryptor **out,
                                                                const char *key_vault_json,
                                                                ptrdiff_t length,
                                                                const char *local_master_key,
                                                                querysafe_error *error);

/* `translation` with every placeholder replaced by its QE payload: the
 * command exactly as it would be sent. *out is a new translation (free with
 * querysafe_translation_free); `translation` is unchanged. */
QUERYSAFE_EXPORT int querysafe_encryptor_explain(querysafe_translation **out,
                                                 const querysafe_encryptor *encryptor,
                                                 const querysafe_translation *translation,
                                                 querysafe_error *error);

/* Accepts NULL. */
QUERYSAFE_EXPORT void querysafe_encryptor_free(querysafe_encryptor *encryptor);

/* ---- Running on a server ------------------------------------------------- */

/* A connection to a MongoDB server (7.0 or later, a replica set or Atlas) on
 * which querysafe encrypts query values and the driver decrypts every reply.
 * No Enterprise library is needed: querysafe's analysis replaces it. */
typedef struct querysafe_client querysafe_client;
/* What a query returned: rows (a cursor), one document, a count or a bool. */
typedef struct querysafe_result querysafe_result;

/* 2 added time_zone; a version-1 struct (without it) is still accepted. */
#define QUERYSAFE_CONNECT_OPTIONS_VERSION 2

/* Every string may be NULL (not set); strings are copied by the call. */
typedef struct querysafe_connect_options {
  unsigned int version; /* QUERYSAFE_CONNECT_OPTIONS_VERSION */
  /* A MongoDB connection string (required); TLS to the server is set here. */
  const char *uri;
  /* The KMS wrapping the data keys, one of: a local master key (96 bytes as
   * base64, or "@FILE"), or a KMS providers document as Extended JSON. */
  const char *local_master_key;
  const char *kms_providers;
  /* "<db>.<collection>"; NULL: the schema's. */
  const char *key_vault_namespace;
  /* TLS options for KMS providers, Extended JSON as mongoc takes them. */
  const char *kms_tls_options;
  /* Compile queries for this version; 0.0: the version the server reports. */
  int server_major;
  int server_minor;
  /* querysafe_migrate only: the provider wrapping new data keys, and its
   * master key document (Extended JSON) for a provider other than local. */
  const char *kms_provider;
  const char *master_key;
  /* Django's TIME_ZONE for the queries querysafe_client_run_text compiles
   * (see querysafe_compile_options); NULL: "UTC". Version 2. */
  const char *time_zone;
} querysafe_connect_options;

#define QUERYSAFE_CONNECT_OPTIONS_INIT \
  {QUERYSAFE_CONNECT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL}

/* Reads the key vault (every data key the schema names must exist: run
 * querysafe_migrate first), connects and reads the server's version. A server
 * that cannot be reached, a wrong KMS setting or a missing key is a
 * QUERYSAFE_EREJECTED. *out: free with querysafe_client_free; it keeps what it
 * needs of `schema` alive. */
QUERYSAFE_EXPORT int querysafe_client_connect(querysafe_client **out,
                                              const querysafe_schema *schema,
                                              const querysafe_connect_options *options,
                                              querysafe_error *error);

/* Compile options for queries run on this client: the server's version,
 * require_encryptable set, and the client's time zone (a string owned by the
 * client). `out` is written whole, at QUERYSAFE_COMPILE_OPTIONS_VERSION. */
QUERYSAFE_EXPORT int querysafe_client_compile_options(querysafe_compile_options *out,
                                                      const querysafe_client *client);

/* Encrypts the translation's values and runs it. Multi-document and pipeline
 * updates, which Queryable Encryption refuses, are refused before anything is
 * sent; the server's refusals are DatabaseError diagnostics with its code;
 * get() of no or several rows is DoesNotExist / MultipleObjectsReturned.
 * *out: free with querysafe_result_free. */
QUERYSAFE_EXPORT int querysafe_client_run(querysafe_result **out, const querysafe_client *client,
                                          const querysafe_translation *translation,
                                          querysafe_error *error);
/* Compiles `text` (`length` < 0: NUL-terminated) for this client, binds
 * `params` (may be NULL) and runs it; diagnostics have spans into `text`. */
QUERYSAFE_EXPORT int querysafe_client_run_text(querysafe_result **out,
                                               const querysafe_client *client, const char *text,
                                               ptrdiff_t length, const bson_t *params,
                                               querysafe_error *error);

typedef enum querysafe_result_kind {
  QUERYSAFE_RESULT_ROWS = 0,     /* all(), filter(), values(), slices...: next() */
  QUERYSAFE_RESULT_DOCUMENT = 1, /* get(), first(), last(), aggregate() */
  QUERYSAFE_RESULT_COUNT = 2,    /* count(); update()/delete(): rows changed */
  QUERYSAFE_RESULT_EXISTS = 3    /* exists() */
} querysafe_result_kind;

/* How rows look: documents (model instances, values()), arrays
 * (values_list()), or one value as the only element of an array
 * (values_list(flat=True)). */
typedef enum querysafe_row_shape {
  QUERYSAFE_ROW_DOCUMENT = 0,
  QUERYSAFE_ROW_TUPLE = 1,
  QUERYSAFE_ROW_SCALAR = 2
} querysafe_row_shape;

QUERYSAFE_EXPORT querysafe_result_kind querysafe_result_kind_of(const querysafe_result *result);
QUERYSAFE_EXPORT querysafe_row_shape querysafe_result_shape(const querysafe_result *result);

/* The next decrypted row: 0 and *row (borrowed, valid until the next call or
 * querysafe_result_free); QUERYSAFE_ITEROVER at the end (and for a result
 * that is not ROWS); QUERYSAFE_EREJECTED when fetching failed (a getMore the
 * server refused, a lost connection, a value that does not decrypt). */
QUERYSAFE_EXPORT int querysafe_result_next(const bson_t **row, querysafe_result *result,
                                           querysafe_error *error);
/* DOCUMENT: the document, borrowed (valid as long as `result`); NULL for
 * first()/last() of no rows (Django's None) and for other kinds. */
QUERYSAFE_EXPORT const bson_t *querysafe_result_document(const querysafe_result *result);
/* COUNT: the number; -1 for other kinds. */
QUERYSAFE_EXPORT int64_t querysafe_result_count(const querysafe_result *result);
/* EXISTS: 1 or 0; -1 for other kinds. */
QUERYSAFE_EXPORT int querysafe_result_exists(const querysafe_result *result);

/* Accepts NULL. Closes an unfinished cursor on the server. A result may
 * outlive its client. */
QUERYSAFE_EXPORT void querysafe_result_free(querysafe_result *result);

/* Django's Model.objects.create(): one instance of `model` from `values`
 * (field values keyed by attribute name), each coerced to its field's type,
 * defaults applied, a new ObjectId for an implicit primary key, encrypted
 * fields encrypted with their own options. `out_id`, if not NULL, is always
 * initialized (bson_destroy it): {"_id": value} on success, empty otherwise. */
QUERYSAFE_EXPORT int querysafe_client_insert(bson_t *out_id, const querysafe_client *client,
                                             const char *model, const bson_t *values,
                                             querysafe_error *error);
/* Django's save() of an instance with a primary key in `values`: every other
 * field set; inserted when no document has that key (*out_inserted = 1).
 * `out_id` as for insert; `out_inserted` may be NULL. */
QUERYSAFE_EXPORT int querysafe_client_save(bson_t *out_id, int *out_inserted,
                                           const querysafe_client *client, const char *model,
                                           const bson_t *values, querysafe_error *error);
/* Deletes the instance whose primary key is `pk`; *out_count (may be NULL):
 * the documents deleted, 0 or 1. */
QUERYSAFE_EXPORT int querysafe_client_delete(int64_t *out_count, const querysafe_client *client,
                                             const char *model, const bson_value_t *pk,
                                             querysafe_error *error);

/* Accepts NULL. Results made by the client stay valid. */
QUERYSAFE_EXPORT void querysafe_client_free(querysafe_client *client);

/* What django-mongodb-backend's migrate does for the schema's collections,
 * idempotently: the key vault's unique index on keyAltNames, a data key per
 * encrypted field (keyAltName "<db_table>.<path>", reused when it exists) and
 * each collection with its encryptedFields. On success *out_map (may be NULL)
 * is the {"<db>.<collection>": encryptedFields} map with keyIds as canonical
 * Extended JSON, and *out_actions (may be NULL) what was done, one line each;
 * both new strings (querysafe_string_free). */
QUERYSAFE_EXPORT int querysafe_migrate(char **out_map, char **out_actions,
                                       const querysafe_schema *schema,
                                       const querysafe_connect_options *options,
                                       querysafe_error *error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QUERYSAFE_QUERYSAFE_H_ */
