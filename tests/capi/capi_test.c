/*
 * The C API from C: every function of querysafe.h, its ownership rules (the
 * asan preset runs this under LeakSanitizer) and its refusals of bad
 * arguments. Run as `capi_test CASE`; ctest runs each case as capi.CASE.
 */
#include <bson/bson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "querysafe/querysafe.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_STR(actual, expected)                                                   \
  do {                                                                                \
    const char *a_ = (actual), *e_ = (expected);                                      \
    if (a_ == NULL || strcmp(a_, e_) != 0) {                                          \
      fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, e_, \
              a_ == NULL ? "(null)" : a_);                                            \
      ++failures;                                                                     \
    }                                                                                 \
  } while (0)

/* Stops the case: what follows depends on it. */
#define REQUIRE_OK(call, error)                                                       \
  do {                                                                                \
    int rc_ = (call);                                                                 \
    if (rc_ != QUERYSAFE_OK) {                                                        \
      fprintf(stderr, "%s:%d: %s returned %d:\n%s\n", __FILE__, __LINE__, #call, rc_, \
              (error)->formatted ? (error)->formatted : "(no message)");              \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

static char *ReadFile(const char *relative) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", QUERYSAFE_TEST_DATA_DIR, relative);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) exit(1);
  text[size] = '\0';
  fclose(f);
  return text;
}

static querysafe_schema *LoadSchema(const char *relative) {
  querysafe_schema *schema = NULL;
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  char *json = ReadFile(relative);
  REQUIRE_OK(querysafe_schema_from_json(&schema, json, -1, NULL, &error), &error);
  free(json);
  return schema;
}

/* The value at `path` (keys separated by '/', since MQL keys contain dots) in
 * `doc`, or NULL. */
static const bson_value_t *ValueAt(const bson_t *doc, const char *path, bson_iter_t *it) {
  char key[256];
  bson_iter_t child;
  if (!bson_iter_init(it, doc)) return NULL;
  for (;;) {
    const char *slash = strchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : strlen(path);
    if (n >= sizeof key) return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    if (!bson_iter_find(it, key)) return NULL;
    if (slash == NULL) return bson_iter_value(it);
    if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &child)) return NULL;
    *it = child;
    path = slash + 1;
  }
}

/* ---- cases ---------------------------------------------------------------- */

/* "1.21.1" -> 1021; 0 if it does not parse. */
static int MinorVersion(const char *version) {
  int major = 0, minor = 0;
  if (sscanf(version, "%d.%d", &major, &minor) != 2) return 0;
  return major * 1000 + minor;
}

static void TestCapabilities(void) {
  const int caps = querysafe_capabilities();
  const char *crypt = querysafe_libmongocrypt_version();
  const int crypt_version = MinorVersion(crypt);
  CHECK(MinorVersion(querysafe_libmongoc_version()) >= 1028);
  CHECK(crypt_version >= 1011);
  /* Every supported libmongocrypt has range v2; the text bits follow its
   * version (the previews 1.15 to 1.20, with 1.19.0 lacking two of them;
   * prefix/suffix 1.19, substring 1.20). */
  CHECK((caps & QUERYSAFE_CAPABILITY_RANGE) != 0);
  CHECK(((caps & QUERYSAFE_CAPABILITY_TEXT_PREVIEW) != 0) ==
        (crypt_version >= 1015 && crypt_version < 1021 && strcmp(crypt, "1.19.0") != 0));
  CHECK(((caps & QUERYSAFE_CAPABILITY_TEXT) != 0) == (crypt_version >= 1019));
  CHECK(((caps & QUERYSAFE_CAPABILITY_TEXT_SUBSTRING) != 0) == (crypt_version >= 1020));
  CHECK(querysafe_capabilities() == caps);
}

static void TestVersion(void) {
  CHECK(strlen(querysafe_version()) >= 5);
  CHECK_STR(querysafe_category_name(QUERYSAFE_NOT_SUPPORTED_ERROR), "NotSupportedError");
  CHECK_STR(querysafe_category_name(QUERYSAFE_MULTIPLE_OBJECTS_RETURNED),
            "MultipleObjectsReturned");
  CHECK_STR(querysafe_category_name((querysafe_category)42), "");
  querysafe_string_free(NULL);
}

static void TestSchema(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  char *map = NULL;
  REQUIRE_OK(querysafe_schema_encrypted_fields_map(&map, schema, &error), &error);
  CHECK(strstr(map, "\"patient_record.ssn\"") != NULL);
  CHECK(strstr(map, "\"queryType\": \"equality\"") != NULL);
  querysafe_string_free(map);

  /* Options: 7.0 is accepted for this schema too. */
  querysafe_schema_options options = QUERYSAFE_SCHEMA_OPTIONS_INIT;
  options.server_major = 7;
  char *json = ReadFile("conformance/schemas/medical.json");
  querysafe_schema *schema70 = NULL;
  REQUIRE_OK(querysafe_schema_from_json(&schema70, json, (ptrdiff_t)strlen(json), &options, &error),
             &error);
  free(json);
  querysafe_schema_free(schema70);
  querysafe_schema_free(schema);
  querysafe_schema_free(NULL);
}

static void TestSchemaErrors(void) {
  querysafe_schema *schema = (querysafe_schema *)&failures; /* must be reset to NULL */
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  const char *bad =
      "{\"database\": \"d\",\n"
      " \"models\": {\"A\": {\"fields\": {\"x\": {\"type\": \"NoSuchField\"}}}}}";
  CHECK(querysafe_schema_from_json(&schema, bad, -1, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(schema == NULL);
  CHECK(error.status == QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1);
  if (error.count >= 1) {
    CHECK(error.diagnostics[0].category == QUERYSAFE_IMPROPERLY_CONFIGURED);
    CHECK(strlen(error.diagnostics[0].code) > 0);
    CHECK(strlen(error.diagnostics[0].location) > 0);
    CHECK(error.diagnostics[0].span_end > error.diagnostics[0].span_begin);
    CHECK(error.diagnostics[0].line == 2);
    CHECK_STR(error.diagnostics[0].location, "models.A.fields.x.type");
  }
  CHECK(error.formatted != NULL && strstr(error.formatted, "schema:2:") != NULL);
  querysafe_error_clear(&error);
  CHECK(error.count == 0 && error.diagnostics == NULL && error.formatted == NULL);

  /* Truncated JSON: only the first `length` bytes count. */
  const char *good = "{\"models\": {}}";
  CHECK(querysafe_schema_from_json(&schema, good, 5, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1);
  querysafe_error_clear(&error);

  querysafe_schema_options options = QUERYSAFE_SCHEMA_OPTIONS_INIT;
  options.version = 999;
  CHECK(querysafe_schema_from_json(&schema, good, -1, &options, &error) == QUERYSAFE_EINVALID);
  CHECK(error.count == 1 && strcmp(error.diagnostics[0].code, "capi.invalid_argument") == 0);
  querysafe_error_clear(&error);
}

static void TestCompile(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  const char *text = "Patient.objects.filter(patient_record__ssn=\"987-65-4320\")";
  REQUIRE_OK(querysafe_query_compile(&query, schema, text, -1, NULL, &error), &error);
  /* The query keeps the schema alive. */
  querysafe_schema_free(schema);
  CHECK_STR(querysafe_query_text(query), text);
  CHECK(querysafe_query_param_count(query) == 0);

  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_query_translate(&t, query, NULL, &error), &error);
  querysafe_query_free(query);
  CHECK_STR(querysafe_translation_command_name(t), "find");
  CHECK_STR(querysafe_translation_collection(t), "patients");
  CHECK(querysafe_translation_encryption_count(t) == 1);
  bson_iter_t it;
  const bson_value_t *find = ValueAt(querysafe_translation_command(t), "find", &it);
  CHECK(find != NULL && find->value_type == BSON_TYPE_UTF8 &&
        strcmp(find->value.v_utf8.str, "patients") == 0);
  CHECK(ValueAt(querysafe_translation_command(t), "filter/patient_record.ssn/$eq/$encrypt", &it) !=
        NULL);
  char *json = NULL;
  CHECK(querysafe_translation_to_json(&json, t) == QUERYSAFE_OK);
  CHECK(json != NULL && strstr(json, "\"$encrypt\"") != NULL);
  querysafe_string_free(json);
  querysafe_translation_free(t);

  /* Server version and limits in the options. */
  schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_compile_options options = QUERYSAFE_COMPILE_OPTIONS_INIT;
  options.server_major = 7;
  REQUIRE_OK(querysafe_query_compile(&query, schema, text, -1, &options, &error), &error);
  querysafe_query_free(query);
  options.max_input_bytes = 10;
  CHECK(querysafe_query_compile(&query, schema, text, -1, &options, &error) == QUERYSAFE_EREJECTED);
  CHECK(query == NULL && error.count == 1);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

/* Django's TIME_ZONE in the compile options: written into a DateTimeField
 * transform, refused when it is not a zone, and not read from a version-1
 * struct (which ends before it). */
static void TestTimeZone(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/events.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  querysafe_translation *t = NULL;
  char *json = NULL;
  const char *text = "Event.objects.filter(at__hour=1)";
  querysafe_compile_options options = QUERYSAFE_COMPILE_OPTIONS_INIT;
  CHECK(options.time_zone == NULL);
  options.time_zone = "America/Chicago";
  REQUIRE_OK(querysafe_query_compile(&query, schema, text, -1, &options, &error), &error);
  REQUIRE_OK(querysafe_query_translate(&t, query, NULL, &error), &error);
  REQUIRE_OK(querysafe_translation_to_json(&json, t), &error);
  CHECK(strstr(json, "\"timezone\" : \"America/Chicago\"") != NULL);
  querysafe_string_free(json);
  querysafe_translation_free(t);
  querysafe_query_free(query);

  options.version = 1;
  REQUIRE_OK(querysafe_query_compile(&query, schema, text, -1, &options, &error), &error);
  REQUIRE_OK(querysafe_query_translate(&t, query, NULL, &error), &error);
  REQUIRE_OK(querysafe_translation_to_json(&json, t), &error);
  CHECK(strstr(json, "timezone") == NULL);
  querysafe_string_free(json);
  querysafe_translation_free(t);
  querysafe_query_free(query);

  options.version = QUERYSAFE_COMPILE_OPTIONS_VERSION;
  options.time_zone = "America/Chikago";
  CHECK(querysafe_query_compile(&query, schema, text, -1, &options, &error) == QUERYSAFE_EREJECTED);
  CHECK(query == NULL && error.count == 1);
  if (error.count == 1) {
    CHECK(error.diagnostics[0].category == QUERYSAFE_IMPROPERLY_CONFIGURED);
    CHECK_STR(error.diagnostics[0].code, "options.time_zone");
  }
  CHECK(querysafe_translate(&t, schema, text, -1, NULL, &options, &error) == QUERYSAFE_EREJECTED);
  CHECK(t == NULL && error.count == 1);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

static void TestCompileErrors(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  const char *text = "Patient.objects.order_by(\"patient_record__ssn\")";
  CHECK(querysafe_query_compile(&query, schema, text, -1, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(query == NULL);
  CHECK(error.count == 1);
  if (error.count == 1) {
    const querysafe_diagnostic *d = &error.diagnostics[0];
    CHECK(d->category == QUERYSAFE_NOT_SUPPORTED_ERROR);
    CHECK_STR(d->code, "qe.order_by_encrypted");
    CHECK_STR(d->message, "Cannot add an encrypted field as a prefix of another encrypted field");
    CHECK(d->server_code == 6316401);
    CHECK(d->span_begin == 25 && d->span_end == 46);
    CHECK(d->line == 1 && d->column == 26);
    CHECK_STR(d->location, "");
  }
  CHECK(error.formatted != NULL &&
        strstr(error.formatted, "query:1:26: NotSupportedError: Cannot add an encrypted field") ==
            error.formatted);
  CHECK(strstr(error.formatted, "^~~~") != NULL);
  querysafe_error_clear(&error);

  /* Text that does not parse, with an embedded NUL inside `length`. */
  const char nul_text[] = "Patient.objects.filter(x=\0)";
  CHECK(querysafe_query_compile(&query, schema, nul_text, (ptrdiff_t)sizeof nul_text - 1, NULL,
                                &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1 && error.diagnostics[0].category == QUERYSAFE_SYNTAX_ERROR);
  querysafe_error_clear(&error);

  /* A field that does not exist: FieldError with Django's suggestion. */
  CHECK(querysafe_query_compile(&query, schema, "Patient.objects.filter(patient_nam=\"x\")", -1,
                                NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count == 1 && error.diagnostics[0].category == QUERYSAFE_FIELD_ERROR);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

static void TestParams(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  REQUIRE_OK(querysafe_query_compile(
                 &query, schema,
                 "Patient.objects.filter(patient_record__ssn=$ssn, patient_id__in=$ids)[:$n]", -1,
                 NULL, &error),
             &error);
  CHECK(querysafe_query_param_count(query) == 3);
  querysafe_param_info info;
  int saw_ssn = 0, saw_ids = 0, saw_n = 0;
  for (size_t i = 0; i < querysafe_query_param_count(query); ++i) {
    REQUIRE_OK(querysafe_query_param(&info, query, i), &error);
    if (strcmp(info.name, "ssn") == 0) {
      saw_ssn = 1;
      CHECK_STR(info.expected_type, "string");
      CHECK(info.encrypted && !info.sequence);
    } else if (strcmp(info.name, "ids") == 0) {
      saw_ids = 1;
      CHECK(!info.encrypted && info.sequence);
    } else if (strcmp(info.name, "n") == 0) {
      saw_n = 1;
      CHECK_STR(info.expected_type, "long");
    }
  }
  CHECK(saw_ssn && saw_ids && saw_n);
  CHECK(querysafe_query_param(&info, query, 3) == QUERYSAFE_EINVALID);
  querysafe_query_free(query);
  querysafe_schema_free(schema);
}

static void TestTranslate(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  REQUIRE_OK(
      querysafe_query_compile(&query, schema, "Patient.objects.filter(patient_name=$name)[:$n]", -1,
                              NULL, &error),
      &error);
  bson_t *params = BCON_NEW("name", BCON_UTF8("Jon Doe"), "n", BCON_INT32(5));
  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_query_translate(&t, query, params, &error), &error);
  bson_iter_t it;
  const bson_value_t *name = ValueAt(querysafe_translation_command(t), "filter/patient_name", &it);
  CHECK(name != NULL && name->value_type == BSON_TYPE_UTF8 &&
        strcmp(name->value.v_utf8.str, "Jon Doe") == 0);
  const bson_value_t *limit = ValueAt(querysafe_translation_command(t), "limit", &it);
  CHECK(limit != NULL && limit->value_type == BSON_TYPE_INT64 && limit->value.v_int64 == 5);
  CHECK(querysafe_translation_encryption_count(t) == 0);
  CHECK(strlen(querysafe_translation_database(t)) > 0);
  querysafe_translation_free(t);
  bson_destroy(params);

  /* Binding is per call: the same query with other values. */
  params = BCON_NEW("name", BCON_UTF8("Jane"), "n", BCON_INT64(1));
  REQUIRE_OK(querysafe_query_translate(&t, query, params, &error), &error);
  name = ValueAt(querysafe_translation_command(t), "filter/patient_name", &it);
  CHECK(name != NULL && strcmp(name->value.v_utf8.str, "Jane") == 0);
  querysafe_translation_free(t);
  bson_destroy(params);
  querysafe_query_free(query);
  querysafe_schema_free(schema);
}

static void TestTranslateOnce(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_translate(&t, schema, "Patient.objects.count()", -1, NULL, NULL, &error),
             &error);
  CHECK_STR(querysafe_translation_command_name(t), "count");
  querysafe_translation_free(t);

  bson_t *params = BCON_NEW("ssn", BCON_UTF8("987-65-4320"));
  REQUIRE_OK(querysafe_translate(&t, schema, "Patient.objects.get(patient_record__ssn=$ssn)", -1,
                                 params, NULL, &error),
             &error);
  CHECK(querysafe_translation_encryption_count(t) == 1);
  querysafe_translation_free(t);
  bson_destroy(params);

  CHECK(querysafe_translate(&t, schema, "Patient.objects.filter(", -1, NULL, NULL, &error) ==
        QUERYSAFE_EREJECTED);
  CHECK(t == NULL && error.count >= 1 && error.diagnostics[0].category == QUERYSAFE_SYNTAX_ERROR);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

static void TestBadValues(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  REQUIRE_OK(querysafe_query_compile(&query, schema, "Patient.objects.filter(patient_id=$id)", -1,
                                     NULL, &error),
             &error);
  querysafe_translation *t = NULL;
  /* A value that cannot become the field's type. */
  bson_t *params = BCON_NEW("id", BCON_UTF8("not a number"));
  CHECK(querysafe_query_translate(&t, query, params, &error) == QUERYSAFE_EREJECTED);
  CHECK(t == NULL && error.count == 1 &&
        error.diagnostics[0].category == QUERYSAFE_VALIDATION_ERROR);
  bson_destroy(params);
  /* A missing parameter. */
  params = bson_new();
  CHECK(querysafe_query_translate(&t, query, params, &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1);
  CHECK(querysafe_query_translate(&t, query, NULL, &error) == QUERYSAFE_EREJECTED);
  bson_destroy(params);
  querysafe_error_clear(&error);
  querysafe_query_free(query);
  querysafe_schema_free(schema);
}

static void TestBuilder(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_builder *b = NULL;
  REQUIRE_OK(querysafe_builder_new(&b, "Patient"), &error);
  bson_value_t ssn;
  ssn.value_type = BSON_TYPE_UTF8;
  ssn.value.v_utf8.str = (char *)"987-65-4320";
  ssn.value.v_utf8.len = 11;
  bson_value_t id;
  id.value_type = BSON_TYPE_INT32;
  id.value.v_int32 = 7;
  const char *order[] = {"-patient_id", "patient_name"};
  CHECK(querysafe_builder_filter(b, "patient_record__ssn", &ssn) == QUERYSAFE_OK);
  CHECK(querysafe_builder_exclude(b, "patient_id", &id) == QUERYSAFE_OK);
  CHECK(querysafe_builder_order_by(b, order, 2) == QUERYSAFE_OK);
  CHECK(querysafe_builder_slice(b, 0, 10) == QUERYSAFE_OK);
  char *text = NULL;
  CHECK(querysafe_builder_text(&text, b) == QUERYSAFE_OK);
  CHECK(text != NULL && strstr(text, "patient_record__ssn=$p0") != NULL);
  CHECK(text != NULL && strstr(text, ".order_by(\"-patient_id\", \"patient_name\")") != NULL);
  querysafe_string_free(text);
  const bson_t *params = querysafe_builder_params(b);
  CHECK(params != NULL && bson_count_keys(params) == 2);

  querysafe_query *query = NULL;
  REQUIRE_OK(querysafe_builder_compile(&query, b, schema, NULL, &error), &error);
  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_query_translate(&t, query, params, &error), &error);
  CHECK(querysafe_translation_encryption_count(t) == 1);
  bson_iter_t it;
  const bson_value_t *limit = ValueAt(querysafe_translation_command(t), "limit", &it);
  CHECK(limit != NULL && limit->value.v_int64 == 10);
  querysafe_translation_free(t);
  querysafe_query_free(query);
  querysafe_builder_free(b);

  /* A terminal method. */
  REQUIRE_OK(querysafe_builder_new(&b, "Patient"), &error);
  CHECK(querysafe_builder_filter(b, "patient_record__ssn", &ssn) == QUERYSAFE_OK);
  CHECK(querysafe_builder_terminal(b, "get") == QUERYSAFE_OK);
  REQUIRE_OK(querysafe_builder_compile(&query, b, schema, NULL, &error), &error);
  querysafe_query_free(query);
  querysafe_builder_free(b);
  querysafe_builder_free(NULL);
  querysafe_schema_free(schema);
}

static void TestBuilderErrors(void) {
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_builder *b = NULL;
  REQUIRE_OK(querysafe_builder_new(&b, "Patient"), &error);
  bson_value_t v;
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = 1;
  /* A key that tries to smuggle structure into the text. */
  CHECK(querysafe_builder_filter(b, "x=1).delete(", &v) == QUERYSAFE_OK);
  querysafe_query *query = NULL;
  CHECK(querysafe_builder_compile(&query, b, schema, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(query == NULL && error.count >= 1);
  CHECK(error.count >= 1 && strcmp(error.diagnostics[0].code, "builder.invalid_key") == 0);
  querysafe_error_clear(&error);
  querysafe_builder_free(b);

  /* Documented QE limitation through the builder: encrypted ordering. */
  const char *order[] = {"patient_record__ssn"};
  REQUIRE_OK(querysafe_builder_new(&b, "Patient"), &error);
  CHECK(querysafe_builder_order_by(b, order, 1) == QUERYSAFE_OK);
  CHECK(querysafe_builder_compile(&query, b, schema, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count == 1 && error.diagnostics[0].server_code == 6316401);
  querysafe_error_clear(&error);
  querysafe_builder_free(b);

  CHECK(querysafe_builder_new(&b, NULL) == QUERYSAFE_EINVALID && b == NULL);
  CHECK(querysafe_builder_filter(NULL, "x", &v) == QUERYSAFE_EINVALID);
  CHECK(querysafe_builder_order_by(NULL, order, 1) == QUERYSAFE_EINVALID);
  CHECK(querysafe_builder_slice(NULL, 0, 1) == QUERYSAFE_EINVALID);
  CHECK(querysafe_builder_terminal(NULL, "get") == QUERYSAFE_EINVALID);
  CHECK(querysafe_builder_params(NULL) == NULL);
  querysafe_schema_free(schema);
}

static void TestExplain(void) {
  querysafe_schema *schema = LoadSchema("spec-qe/schemas/indexed.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  char key_vault[1024], master_key[1024];
  snprintf(key_vault, sizeof key_vault, "%s/spec-qe/keys/key1.json", QUERYSAFE_TEST_DATA_DIR);
  snprintf(master_key, sizeof master_key, "@%s/spec-qe/keys/local-master.key",
           QUERYSAFE_TEST_DATA_DIR);
  querysafe_encryptor *encryptor = NULL;
  REQUIRE_OK(querysafe_encryptor_open_offline(&encryptor, key_vault, master_key, &error), &error);

  querysafe_compile_options options = QUERYSAFE_COMPILE_OPTIONS_INIT;
  options.require_encryptable = 1;
  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_translate(&t, schema, "Default.objects.filter(encryptedIndexed=\"123\")", -1,
                                 NULL, &options, &error),
             &error);
  CHECK(querysafe_translation_encryption_count(t) == 1);
  querysafe_translation *sent = NULL;
  REQUIRE_OK(querysafe_encryptor_explain(&sent, encryptor, t, &error), &error);
  CHECK(querysafe_translation_encryption_count(sent) == 0);
  CHECK(querysafe_translation_encryption_count(t) == 1); /* unchanged */
  bson_iter_t it;
  const bson_value_t *payload =
      ValueAt(querysafe_translation_command(sent), "filter/encryptedIndexed/$eq", &it);
  CHECK(payload != NULL && payload->value_type == BSON_TYPE_BINARY &&
        payload->value.v_binary.subtype == BSON_SUBTYPE_ENCRYPTED);
  /* Find payloads are deterministic: the same query gives the same bytes. */
  querysafe_translation *again = NULL;
  REQUIRE_OK(querysafe_encryptor_explain(&again, encryptor, t, &error), &error);
  CHECK(bson_equal(querysafe_translation_command(sent), querysafe_translation_command(again)));
  querysafe_translation_free(again);
  querysafe_translation_free(sent);
  querysafe_translation_free(t);

  /* The key documents given as text. */
  char *keys = ReadFile("spec-qe/keys/key1.json");
  querysafe_encryptor *from_text = NULL;
  REQUIRE_OK(querysafe_encryptor_open_offline_from_text(&from_text, keys, -1, master_key, &error),
             &error);
  free(keys);
  querysafe_encryptor_free(from_text);
  querysafe_encryptor_free(encryptor);
  querysafe_encryptor_free(NULL);
  querysafe_schema_free(schema);
}

static void TestExplainErrors(void) {
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_encryptor *encryptor = NULL;
  CHECK(querysafe_encryptor_open_offline(&encryptor, "/nonexistent/keys.json", "@/nonexistent",
                                         &error) == QUERYSAFE_EREJECTED);
  CHECK(encryptor == NULL && error.count >= 1);
  querysafe_error_clear(&error);
  CHECK(querysafe_encryptor_open_offline_from_text(&encryptor, "[]", -1, "not base64!", &error) ==
        QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1 && error.diagnostics[0].category == QUERYSAFE_IMPROPERLY_CONFIGURED);
  querysafe_error_clear(&error);
  CHECK(querysafe_encryptor_open_offline_from_text(&encryptor, "{not json", -1, "", &error) ==
        QUERYSAFE_EREJECTED);
  querysafe_error_clear(&error);
}

static void TestArguments(void) {
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_query *query = NULL;
  querysafe_translation *t = NULL;
  CHECK(querysafe_schema_from_json(NULL, "{}", -1, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(error.count == 1 && strstr(error.diagnostics[0].message, "querysafe_schema_from_json") ==
                                error.diagnostics[0].message);
  CHECK(querysafe_query_compile(&query, NULL, "x", -1, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_query_compile(&query, schema, NULL, -1, NULL, &error) == QUERYSAFE_EINVALID);
  querysafe_compile_options options = QUERYSAFE_COMPILE_OPTIONS_INIT;
  options.version = 0;
  CHECK(querysafe_query_compile(&query, schema, "x", -1, &options, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_query_translate(&t, NULL, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_translate(&t, schema, NULL, -1, NULL, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_encryptor_explain(&t, NULL, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_schema_encrypted_fields_map(NULL, schema, &error) == QUERYSAFE_EINVALID);
  /* A NULL error is allowed everywhere: the status alone reports. */
  CHECK(querysafe_query_compile(&query, schema, "nonsense(", -1, NULL, NULL) ==
        QUERYSAFE_EREJECTED);
  CHECK(querysafe_translation_to_json(NULL, NULL) == QUERYSAFE_EINVALID);
  /* Accessors of NULL handles answer emptily rather than crash. */
  CHECK_STR(querysafe_query_text(NULL), "");
  CHECK(querysafe_query_param_count(NULL) == 0);
  CHECK_STR(querysafe_translation_database(NULL), "");
  CHECK(querysafe_translation_command(NULL) == NULL);
  querysafe_error_clear(&error);
  querysafe_error_clear(NULL);
  querysafe_schema_free(schema);
}

static void TestErrorReuse(void) {
  /* A failing call on an error that already holds one replaces it, without leaking. */
  querysafe_schema *schema = LoadSchema("conformance/schemas/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_query *query = NULL;
  CHECK(querysafe_query_compile(&query, schema, "Patient.objects.order_by(\"patient_record__ssn\")",
                                -1, NULL, &error) == QUERYSAFE_EREJECTED);
  CHECK(querysafe_query_compile(&query, schema, "Patient.objects.filter(", -1, NULL, &error) ==
        QUERYSAFE_EREJECTED);
  CHECK(error.count >= 1 && error.diagnostics[0].category == QUERYSAFE_SYNTAX_ERROR);
  /* A succeeding call leaves the error as it was. */
  REQUIRE_OK(querysafe_query_compile(&query, schema, "Patient.objects.all()", -1, NULL, &error),
             &error);
  CHECK(error.status == QUERYSAFE_EREJECTED && error.count >= 1);
  querysafe_query_free(query);
  querysafe_error_clear(&error);
  querysafe_error_clear(&error); /* twice is fine */
  querysafe_schema_free(schema);
}

/* Connecting without a server: NULLs, options of another version, and a
 * server that does not answer are refused with a status, never a crash. */
static void TestClientErrors(void) {
  querysafe_schema *schema = LoadSchema("exec/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_client *client = NULL;
  querysafe_connect_options options = QUERYSAFE_CONNECT_OPTIONS_INIT;
  CHECK(querysafe_client_connect(NULL, schema, &options, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_client_connect(&client, NULL, &options, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_client_connect(&client, schema, NULL, &error) == QUERYSAFE_EINVALID);
  options.version = 0;
  CHECK(querysafe_client_connect(&client, schema, &options, &error) == QUERYSAFE_EINVALID);
  options.version = QUERYSAFE_CONNECT_OPTIONS_VERSION;
  /* No URI and no KMS for a schema with encrypted fields: both reported. */
  CHECK(querysafe_client_connect(&client, schema, &options, &error) == QUERYSAFE_EREJECTED);
  CHECK(error.count == 2 && error.diagnostics[0].category == QUERYSAFE_IMPROPERLY_CONFIGURED);
  /* A port nothing listens on: a diagnostic once server selection gives up. */
  options.uri = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200";
  options.local_master_key =
      "Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09w"
      "OGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk";
  CHECK(querysafe_client_connect(&client, schema, &options, &error) == QUERYSAFE_EREJECTED);
  CHECK(client == NULL && error.count >= 1);
  CHECK(querysafe_migrate(NULL, NULL, schema, &options, &error) == QUERYSAFE_EREJECTED);

  /* Every other entry point refuses NULL handles. */
  querysafe_result *result = NULL;
  const bson_t *row = NULL;
  querysafe_compile_options compile = QUERYSAFE_COMPILE_OPTIONS_INIT;
  bson_t id;
  int64_t count = 7;
  int inserted = 7;
  bson_value_t pk;
  pk.value_type = BSON_TYPE_INT32;
  pk.value.v_int32 = 1;
  CHECK(querysafe_client_compile_options(&compile, NULL) == QUERYSAFE_EINVALID);
  CHECK(querysafe_client_run(&result, NULL, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_client_run_text(&result, NULL, "Patient.objects.all()", -1, NULL, &error) ==
        QUERYSAFE_EINVALID);
  CHECK(querysafe_result_next(&row, NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(querysafe_result_kind_of(NULL) == QUERYSAFE_RESULT_ROWS);
  CHECK(querysafe_result_shape(NULL) == QUERYSAFE_ROW_DOCUMENT);
  CHECK(querysafe_result_document(NULL) == NULL);
  CHECK(querysafe_result_count(NULL) == -1);
  CHECK(querysafe_result_exists(NULL) == -1);
  CHECK(querysafe_client_insert(&id, NULL, "Patient", NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(bson_empty(&id)); /* initialized even on failure */
  bson_destroy(&id);
  CHECK(querysafe_client_save(&id, &inserted, NULL, "Patient", NULL, &error) == QUERYSAFE_EINVALID);
  CHECK(inserted == 0);
  bson_destroy(&id);
  CHECK(querysafe_client_delete(&count, NULL, "Patient", &pk, &error) == QUERYSAFE_EINVALID);
  CHECK(count == 0);
  querysafe_result_free(NULL);
  querysafe_client_free(NULL);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

/* Against a server: the URI and the KMS providers document (Extended JSON)
 * come from QUERYSAFE_CAPI_URI and QUERYSAFE_CAPI_KMS. The wire tests run
 * this case against their scripted peer (tests/capi/capi_wire_test.cc), which
 * answers finds with one patient, counts with 2, inserts, updates and deletes
 * with n: 1. */
static void TestClient(void) {
  const char *uri = getenv("QUERYSAFE_CAPI_URI");
  const char *kms = getenv("QUERYSAFE_CAPI_KMS");
  if (uri == NULL || kms == NULL) {
    fprintf(stderr, "client: QUERYSAFE_CAPI_URI and QUERYSAFE_CAPI_KMS are not set\n");
    exit(2);
  }
  querysafe_schema *schema = LoadSchema("exec/medical.json");
  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_connect_options options = QUERYSAFE_CONNECT_OPTIONS_INIT;
  options.uri = uri;
  options.kms_providers = kms;

  char *map = NULL;
  char *actions = NULL;
  REQUIRE_OK(querysafe_migrate(&map, &actions, schema, &options, &error), &error);
  CHECK(map != NULL && strstr(map, "medical_records.patients") != NULL);
  CHECK(actions != NULL);
  querysafe_string_free(map);
  querysafe_string_free(actions);

  querysafe_client *client = NULL;
  REQUIRE_OK(querysafe_client_connect(&client, schema, &options, &error), &error);
  querysafe_compile_options compile;
  REQUIRE_OK(querysafe_client_compile_options(&compile, client), &error);
  CHECK(compile.server_major == 8 && compile.require_encryptable == 1);

  /* Rows, from text with a parameter. */
  querysafe_result *result = NULL;
  bson_t *params = BCON_NEW("ssn", BCON_UTF8("987-65-4320"));
  REQUIRE_OK(
      querysafe_client_run_text(&result, client, "Patient.objects.filter(patient_record__ssn=$ssn)",
                                -1, params, &error),
      &error);
  bson_destroy(params);
  CHECK(querysafe_result_kind_of(result) == QUERYSAFE_RESULT_ROWS);
  CHECK(querysafe_result_shape(result) == QUERYSAFE_ROW_DOCUMENT);
  const bson_t *row = NULL;
  int rows = 0;
  int status;
  while ((status = querysafe_result_next(&row, result, &error)) == QUERYSAFE_OK) {
    bson_iter_t it;
    CHECK(ValueAt(row, "patient_name", &it) != NULL);
    ++rows;
  }
  CHECK(status == QUERYSAFE_ITEROVER && rows == 1);
  querysafe_result_free(result);

  /* get(): one document. */
  REQUIRE_OK(
      querysafe_client_run_text(&result, client, "Patient.objects.get(patient_record__ssn=\"1\")",
                                -1, NULL, &error),
      &error);
  CHECK(querysafe_result_kind_of(result) == QUERYSAFE_RESULT_DOCUMENT);
  CHECK(querysafe_result_document(result) != NULL);
  querysafe_result_free(result);

  /* A translation, compiled for this client: count(). */
  querysafe_translation *t = NULL;
  REQUIRE_OK(querysafe_translate(&t, schema, "Patient.objects.filter(patient_id=5).count()", -1,
                                 NULL, &compile, &error),
             &error);
  REQUIRE_OK(querysafe_client_run(&result, client, t, &error), &error);
  CHECK(querysafe_result_kind_of(result) == QUERYSAFE_RESULT_COUNT);
  CHECK(querysafe_result_count(result) == 2);
  CHECK(querysafe_result_exists(result) == -1);
  CHECK(querysafe_result_next(&row, result, &error) == QUERYSAFE_ITEROVER);
  querysafe_result_free(result);
  querysafe_translation_free(t);

  /* Refused before sending, with the documented message. */
  CHECK(querysafe_client_run_text(&result, client,
                                  "Patient.objects.order_by(\"patient_record__ssn\")", -1, NULL,
                                  &error) == QUERYSAFE_EREJECTED);
  CHECK(result == NULL && error.count == 1);
  CHECK_STR(error.diagnostics[0].code, "qe.order_by_encrypted");

  /* Writes. */
  bson_t *values = BCON_NEW(
      "patient_name", BCON_UTF8("Jon Doe"), "patient_id", BCON_INT64(1), "patient_record", "{",
      "ssn", BCON_UTF8("987-65-4320"), "billing", "{", "cc_type", BCON_UTF8("Visa"), "cc_number",
      BCON_UTF8("4111222233334444"), "}", "bill_amount", BCON_UTF8("1.00"), "}");
  bson_t id;
  REQUIRE_OK(querysafe_client_insert(&id, client, "Patient", values, &error), &error);
  bson_iter_t it;
  const bson_value_t *pk = ValueAt(&id, "_id", &it);
  CHECK(pk != NULL && pk->value_type == BSON_TYPE_OID);
  bson_append_value(values, "id", -1, pk);
  bson_t saved_id;
  int inserted = -1;
  REQUIRE_OK(querysafe_client_save(&saved_id, &inserted, client, "Patient", values, &error),
             &error);
  CHECK(inserted == 0);
  bson_destroy(&saved_id);
  int64_t deleted = -1;
  REQUIRE_OK(querysafe_client_delete(&deleted, client, "Patient", pk, &error), &error);
  CHECK(deleted == 1);
  bson_destroy(&id);
  bson_destroy(values);

  querysafe_client_free(client);
  querysafe_error_clear(&error);
  querysafe_schema_free(schema);
}

static const struct {
  const char *name;
  void (*run)(void);
} kCases[] = {
    {"version", TestVersion},
    {"capabilities", TestCapabilities},
    {"schema", TestSchema},
    {"schema_errors", TestSchemaErrors},
    {"compile", TestCompile},
    {"compile_errors", TestCompileErrors},
    {"time_zone", TestTimeZone},
    {"params", TestParams},
    {"translate", TestTranslate},
    {"translate_once", TestTranslateOnce},
    {"bad_values", TestBadValues},
    {"builder", TestBuilder},
    {"builder_errors", TestBuilderErrors},
    {"explain", TestExplain},
    {"explain_errors", TestExplainErrors},
    {"arguments", TestArguments},
    {"error_reuse", TestErrorReuse},
    {"client_errors", TestClientErrors},
    {"client", TestClient},
};

int main(int argc, char **argv) {
  int ran = 0;
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; ++i) {
    if (argc > 1 && strcmp(argv[1], kCases[i].name) != 0) continue;
    kCases[i].run();
    ++ran;
  }
  if (ran == 0) {
    fprintf(stderr, "unknown case %s\n", argc > 1 ? argv[1] : "");
    return 2;
  }
  if (failures > 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  return 0;
}
