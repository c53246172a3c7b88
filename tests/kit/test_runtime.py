"""Process settings the entrypoint applies: one BLAS thread."""

from threadpoolctl import threadpool_info

from app.runtime import one_blas_thread
from tests import fresh_loop


def test_one_blas_thread_limits_every_blas_library_of_the_process():
    one_blas_thread()
    blas = [library for library in threadpool_info() if library["user_api"] == "blas"]
    assert blas and all(library["num_threads"] == 1 for library in blas)


def test_tcp_nodelay_reaches_sockets_bound_with_protocol_zero_as_streamlit_binds_them():
    import asyncio
    import socket

    from app.runtime import tcp_nodelay

    async def accepted_nodelay():
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)   # protocol 0, like Streamlit's _bind_socket
        listener.bind(("127.0.0.1", 0))
        seen = asyncio.get_running_loop().create_future()

        async def serve(reader, writer):
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(serve, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        value = await seen
        writer.close()
        server.close()
        return value

    tcp_nodelay()
    assert fresh_loop.run(accepted_nodelay()) != 0
