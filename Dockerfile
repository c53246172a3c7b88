# RNN Explainer: the Streamlit app on port 8501.
#   docker build -t rnn-explainer . && docker run --rm -p 8501:8501 rnn-explainer
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_HEADLESS=true

# Every dependency is pinned in requirements.txt and ships as a binary wheel: no compiler
# is installed, so none is left behind; --no-cache-dir keeps pip's downloads out of the image.
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && groupadd --gid 10001 streamlit \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin streamlit

# The code stays owned by root (read-only for the app); the app runs as the unprivileged user.
COPY . .
USER 10001:10001

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["streamlit", "run", "app/streamlit_app.py", "--server.address=0.0.0.0", "--server.port=8501"]
