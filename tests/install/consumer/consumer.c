/* The C API from an installed querysafe: compile, translate, and a rejection. */
#include <querysafe/querysafe.h>
#include <querysafe/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) return 2;
  static char json[1 << 16];
  size_t n = fread(json, 1, sizeof json, f);
  fclose(f);

  querysafe_error error = QUERYSAFE_ERROR_INIT;
  querysafe_schema *schema = NULL;
  querysafe_translation *t = NULL;
  querysafe_translation *rejected = NULL;
  int status = 1;
  if (querysafe_schema_from_json(&schema, json, (ptrdiff_t)n, NULL, &error) != QUERYSAFE_OK ||
      querysafe_translate(&t, schema, "Patient.objects.get(patient_record__ssn=\"987-65-4320\")",
                          -1, NULL, NULL, &error) != QUERYSAFE_OK) {
    fprintf(stderr, "%s\n", error.formatted);
  } else if (querysafe_translate(&rejected, schema,
                                 "Patient.objects.order_by(\"patient_record__ssn\")", -1, NULL,
                                 NULL, &error) == QUERYSAFE_EREJECTED &&
             rejected == NULL && error.count == 1 && error.diagnostics[0].server_code == 6316401 &&
             querysafe_translation_encryption_count(t) == 1 &&
             strcmp(querysafe_version(), QUERYSAFE_VERSION_STRING) == 0) {
    status = 0;
  }
  querysafe_translation_free(t);
  querysafe_schema_free(schema);
  querysafe_error_clear(&error);
  if (status == 0) printf("consumer (C): ok\n");
  return status;
}
