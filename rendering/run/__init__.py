"""Running the batch on workers. The modules, one job each:

- ``driver``: the scheduler: every pending scene as plan -> chunks -> finish tasks;
- ``executors``: where the tasks run: a local process pool or a Dask cluster;
- ``tasks``: the tasks a worker runs, as plain functions of JSON-ready arguments;
- ``training``: the missing states files, each trained once;
- ``process``: cores, signals, a worker's end with its batch.
"""
