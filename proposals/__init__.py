"""The domain of Liquid Policy: models, lifecycle and the services that change them.

Never imports ``app`` (the web layer); may import ``delegation`` (pure graph logic).
Services only ``flush()``: the caller owns the transaction (one unit of work per request).
"""
