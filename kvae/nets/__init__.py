"""Encoders, decoders and discriminators: Keras layers mapping images to (mean, logvar), codes to logits.

Each registers itself in `NETS` under a name that says its role: conv_encoder, conv_decoder,
fc_encoder, fc_decoder, discriminator.
"""

from kvae.deprecation import deprecated_names
from kvae.nets.conv import ConvDecoder, ConvEncoder
from kvae.nets.discriminator import Discriminator
from kvae.nets.fc import FCDecoder, FCEncoder
from kvae.nets.registry import NETS

__all__ = ["NETS", "ConvDecoder", "ConvEncoder", "Discriminator", "FCDecoder", "FCEncoder"]

__getattr__ = deprecated_names(
    __name__,
    {
        "ENCODERS": ("kvae.nets.NETS ('conv_encoder', 'fc_encoder')", {"conv": ConvEncoder, "fc": FCEncoder}),
        "DECODERS": ("kvae.nets.NETS ('conv_decoder', 'fc_decoder')", {"conv": ConvDecoder, "fc": FCDecoder}),
    },
)
