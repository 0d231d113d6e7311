"""Running the batch's tasks: the scheduler, the pool and Dask executors, the tasks, the states."""
