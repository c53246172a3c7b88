"""Process settings the entrypoint applies: one BLAS thread."""

from threadpoolctl import threadpool_info

from app.runtime import one_blas_thread


def test_one_blas_thread_limits_every_blas_library_of_the_process():
    one_blas_thread()
    blas = [library for library in threadpool_info() if library["user_api"] == "blas"]
    assert blas and all(library["num_threads"] == 1 for library in blas)
