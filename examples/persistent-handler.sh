#!/bin/sh
# pacchettino consume ./q --persistent -- examples/persistent-handler.sh
tab=$(printf '\t')
while IFS="$tab" read -r id kind attempt file name <&3; do  # a job a line on fd 3
  echo "PROGRESS 50 counting words" >&3
  if words=$(wc -w < "$file"); then
    echo "$id ($kind${name:+ $name}, attempt $attempt): $words words"  # our log
    echo SUCCESS >&3
  else echo "FAILED cannot read $file" >&3; fi
done
