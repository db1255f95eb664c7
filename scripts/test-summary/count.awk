# `make test`'s summary: adds up the "Tests N passed | M skipped" lines of vitest and the pass / skipped
# lines of node's test runner in a run's log, and prints "passed skipped".
# vitest colours its summary even through a pipe; the colour codes sit between the number and "passed"
# and are removed before matching, or a whole package's count would go missing.
{ gsub(/\033\[[0-9;]*m/, "") }
/Tests +[0-9]+ passed/ {
  for (i = 1; i < NF; i++) {
    if ($(i + 1) ~ /^passed/) passed += $i
    if ($(i + 1) ~ /^skipped/) skipped += $i
  }
}
# node's test runner: "# pass N" (tap reporter) or "ℹ pass N" (spec, its default on Node 26 even through a pipe).
/^(# |ℹ )pass [0-9]+/ { passed += $3 }
/^(# |ℹ )skipped [0-9]+/ { skipped += $3 }
END { print passed + 0, skipped + 0 }
