#!/bin/sh
# A coding command that crashes.
echo "starting" 
echo "boom: the model provider is down" >&2
exit 7
