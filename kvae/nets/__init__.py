"""Encoders and decoders: Keras layers mapping images to (mean, logvar) and codes to logits."""

from kvae.nets.conv import ConvDecoder, ConvEncoder
from kvae.nets.fc import FCDecoder, FCEncoder

ENCODERS = {"conv": ConvEncoder, "fc": FCEncoder}
DECODERS = {"conv": ConvDecoder, "fc": FCDecoder}
