#!/usr/bin/env python3
# pacchettino consume ./q --persistent -- python3 examples/persistent-handler.py
import os
jobs = os.fdopen(3, 'r', encoding='utf-8', errors='surrogateescape')  # a job a line
answers = os.fdopen(os.dup(3), 'w', buffering=1)  # SUCCESS, FAILED <reason>, RETRY
for line in jobs:
    job_id, kind, attempt, path, name = line.rstrip('\n').split('\t')
    with open(path, 'rb') as payload:
        size = len(payload.read())
    print(f'{job_id} ({kind} {name}, attempt {attempt}): {size} bytes', flush=True)
    answers.write('SUCCESS\n' if size else 'FAILED empty payload\n')
