"""Encoders, decoders and discriminators: Keras layers mapping images to (mean, logvar), codes to logits."""

from kvae.nets.conv import ConvDecoder, ConvEncoder
from kvae.nets.discriminator import Discriminator
from kvae.nets.fc import FCDecoder, FCEncoder

ENCODERS = {"conv": ConvEncoder, "fc": FCEncoder}
DECODERS = {"conv": ConvDecoder, "fc": FCDecoder}
